//! Parsing a binary file with `bufproto`: the program behind the chapter
//! "Parsing a binary file". It writes a small WAV file itself, then reads it
//! back through views — the header field by field, the samples through a
//! `cast` — and turns the volume down in place.
//!
//! Run it with `cargo run --example wav`; `cargo test` runs it too.

use std::error::Error;

use bufproto::{ByteArray, MemoryView, Value};

// ANCHOR: write
/// A mono, 16-bit PCM WAV file holding `samples` at `rate` samples a second.
/// Every field of a WAV file is little-endian.
fn wav_file(rate: u32, samples: &[i16]) -> Result<Vec<u8>, Box<dyn Error>> {
    let data_size = u32::try_from(samples.len() * 2)?;
    let mut file = Vec::with_capacity(44 + samples.len() * 2);
    file.extend_from_slice(b"RIFF");
    file.extend_from_slice(&(36 + data_size).to_le_bytes()); // size of what follows
    file.extend_from_slice(b"WAVE");
    file.extend_from_slice(b"fmt ");
    file.extend_from_slice(&16u32.to_le_bytes()); // size of the fmt chunk
    file.extend_from_slice(&1u16.to_le_bytes()); // PCM
    file.extend_from_slice(&1u16.to_le_bytes()); // one channel
    file.extend_from_slice(&rate.to_le_bytes());
    file.extend_from_slice(&(rate * 2).to_le_bytes()); // bytes a second
    file.extend_from_slice(&2u16.to_le_bytes()); // bytes a frame
    file.extend_from_slice(&16u16.to_le_bytes()); // bits a sample
    file.extend_from_slice(b"data");
    file.extend_from_slice(&data_size.to_le_bytes());
    for sample in samples {
        file.extend_from_slice(&sample.to_le_bytes());
    }
    Ok(file)
}
// ANCHOR_END: write

// ANCHOR: fields
/// `struct.unpack_from("<I", view, at)`: a little-endian `u32` at byte `at`.
fn u32_at(view: &MemoryView, at: usize) -> Result<u32, Box<dyn Error>> {
    let at = isize::try_from(at)?;
    let bytes = view.slice(Some(at), Some(at + 4), None)?.tobytes()?;
    Ok(u32::from_le_bytes(bytes.as_slice().try_into()?))
}

/// `struct.unpack_from("<H", view, at)`: a little-endian `u16` at byte `at`.
fn u16_at(view: &MemoryView, at: usize) -> Result<u16, Box<dyn Error>> {
    let at = isize::try_from(at)?;
    let bytes = view.slice(Some(at), Some(at + 2), None)?.tobytes()?;
    Ok(u16::from_le_bytes(bytes.as_slice().try_into()?))
}
// ANCHOR_END: fields

// ANCHOR: chunks
/// One chunk of a RIFF file: its four-letter id and a view of its body.
struct Chunk {
    id: [u8; 4],
    body: MemoryView,
}

/// The chunks of a RIFF/WAVE file, each body a view of the file: no copy.
fn chunks(file: &MemoryView) -> Result<Vec<Chunk>, Box<dyn Error>> {
    let header = file.slice(Some(0), Some(12), None)?.tobytes()?;
    if header.len() < 12 || &header[0..4] != b"RIFF" || &header[8..12] != b"WAVE" {
        return Err("not a RIFF/WAVE file".into());
    }
    let mut found = Vec::new();
    let mut at = 12;
    while at + 8 <= file.len()? {
        let id: [u8; 4] = file
            .slice(
                Some(isize::try_from(at)?),
                Some(isize::try_from(at + 4)?),
                None,
            )?
            .tobytes()?
            .as_slice()
            .try_into()?;
        let size = usize::try_from(u32_at(file, at + 4)?)?;
        let start = at + 8;
        let end = start
            .checked_add(size)
            .filter(|&end| end <= file.len().unwrap_or(0));
        let end = end.ok_or("a chunk runs past the end of the file")?;
        let body = file.slice(
            Some(isize::try_from(start)?),
            Some(isize::try_from(end)?),
            None,
        )?;
        found.push(Chunk { id, body });
        at = end + (size & 1); // chunks are padded to an even length
    }
    Ok(found)
}
// ANCHOR_END: chunks

/// What the `fmt ` chunk says about the samples.
#[derive(Debug, PartialEq)]
struct Format {
    encoding: u16,
    channels: u16,
    rate: u32,
    bits: u16,
}

// ANCHOR: format
fn format(body: &MemoryView) -> Result<Format, Box<dyn Error>> {
    Ok(Format {
        encoding: u16_at(body, 0)?,
        channels: u16_at(body, 2)?,
        rate: u32_at(body, 4)?,
        bits: u16_at(body, 14)?,
    })
}
// ANCHOR_END: format

/// A sample as an `i64` (16-bit samples are always integers).
fn int(value: &Value) -> Result<i64, Box<dyn Error>> {
    match value {
        Value::Int(i) => Ok(i64::try_from(*i)?),
        other => Err(format!("a 16-bit sample should be an int, not {other}").into()),
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    // ANCHOR: main
    // A tenth of a second of a 440 Hz tone, 8000 samples a second.
    let rate = 8000;
    let tone: Vec<i16> = (0..rate / 10)
        .map(|i| {
            (12000.0 * (2.0 * std::f64::consts::PI * 440.0 * f64::from(i) / f64::from(rate)).sin())
                .round() as i16
        })
        .collect();
    let file = ByteArray::from(wav_file(rate, &tone)?);
    let view = MemoryView::new(&file)?;

    let chunks = chunks(&view)?;
    let fmt = chunks
        .iter()
        .find(|c| &c.id == b"fmt ")
        .ok_or("no fmt chunk")?;
    let data = chunks
        .iter()
        .find(|c| &c.id == b"data")
        .ok_or("no data chunk")?;
    let format = format(&fmt.body)?;
    if (format.encoding, format.channels, format.bits) != (1, 1, 16) {
        return Err("this program reads mono 16-bit PCM only".into());
    }

    // The samples, read in place: a cast of the data chunk's view.
    // (A cast reads in the machine's byte order; WAV is little-endian, as are
    // x86 and ARM. A big-endian machine would need to swap.)
    let samples = data.body.cast("h")?;
    let count = samples.len()?;
    let mut peak = 0;
    for i in 0..count {
        peak = peak.max(int(&samples.get(isize::try_from(i)?)?)?.abs());
    }
    println!("{} Hz, {count} samples, peak {peak}", format.rate);

    // Turn the volume down by half, writing through the view into the file.
    for i in 0..count {
        let i = isize::try_from(i)?;
        let half = int(&samples.get(i)?)? / 2;
        samples.set(i, half)?;
    }
    // ANCHOR_END: main

    check(&file, &format, count, peak, &tone)?;
    Ok(())
}

/// What the run must have found and done; `cargo test` fails otherwise.
fn check(
    file: &ByteArray,
    format: &Format,
    count: usize,
    peak: i64,
    tone: &[i16],
) -> Result<(), Box<dyn Error>> {
    let expected = Format {
        encoding: 1,
        channels: 1,
        rate: 8000,
        bits: 16,
    };
    if *format != expected || count != tone.len() || peak != 12000 {
        return Err(format!("read {format:?}, {count} samples, peak {peak}").into());
    }
    let bytes = file.to_vec();
    let first = i16::from_le_bytes([bytes[46], bytes[47]]); // sample 1, after the 44-byte header
    if first != tone[1] / 2 {
        return Err(format!("sample 1 is {first}, not half of {}", tone[1]).into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_program_runs_and_finds_what_it_wrote() {
        if let Err(error) = super::main() {
            panic!("examples/wav.rs failed: {error}");
        }
    }

    #[test]
    fn a_file_that_is_not_wav_is_refused_clearly() -> Result<(), Box<dyn std::error::Error>> {
        let junk = bufproto::Bytes::from(&b"RIFX\0\0\0\0WAVE"[..]);
        let view = bufproto::MemoryView::new(&junk)?;
        let error = super::chunks(&view).err().ok_or("junk was accepted")?;
        assert_eq!(error.to_string(), "not a RIFF/WAVE file");
        Ok(())
    }

    #[test]
    fn a_chunk_past_the_end_is_refused_clearly() -> Result<(), Box<dyn std::error::Error>> {
        let mut file = super::wav_file(8000, &[1, 2, 3])?;
        file.truncate(file.len() - 2); // the data chunk now claims more than there is
        let data = bufproto::Bytes::from(file);
        let error = super::chunks(&bufproto::MemoryView::new(&data)?)
            .err()
            .ok_or("accepted")?;
        assert_eq!(error.to_string(), "a chunk runs past the end of the file");
        Ok(())
    }
}
