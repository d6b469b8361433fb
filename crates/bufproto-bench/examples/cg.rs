//! A tiny harness for counting instructions per call under callgrind:
//! `cargo build --release -p bufproto-bench --example cg`, then
//! `valgrind --tool=callgrind target/release/examples/cg OP N` for two
//! values of N; the difference of the totals over the difference of the
//! N's is the count per call (start-up cancels out).
//!
//! OPs: `new` (`memoryview(b)` of bytes), `new_ba` (of a bytearray),
//! `new_m` (`memoryview(m)` of a view), `buf`, `buf_ba`
//! (`get_buffer(FULL_RO)` of each: the export a view of any other exporter
//! is made from), `clone` (`bytes::Bytes::clone`), `slice` (`m[1:-1]`), `bslice`
//! (`bytes::Bytes::slice(1..len-1)`), `get_ba` (typed `get` over bytearray),
//! `get_b` (over bytes), `tgeti_b` (typed `i32` over bytes), `vget`,
//! `vgeti` (`v.get` of a `u8` and an `i32` slice); `mget_b`, `mget_ba`
//! (`m.get(i)` of a `B` view of bytes, of a bytearray), `mgeti_b` (of an
//! `i` view), `mset_ba`, `mseti_ba` (`m.set(i, 7)` over a bytearray, `B`
//! and `i`); over 64 KiB:
//! `sum_ba`, `sum_b` (typed `for_each_chunk` sum of `u8`s), `sum_v` (the
//! same loop over a slice), `tolist_ba`, `tolist_b` (`m.cast('i').tolist()`).
//!
//! A third argument `time` prints the wall-clock nanoseconds per call as
//! well (best of five runs of the loop; a quick look while changing code,
//! not a benchmark: `report` measures).

use std::hint::black_box;

use bufproto::{ByteArray, Bytes, Error, ErrorKind, Exporter, Flags, MemoryView};

fn main() -> Result<(), Error> {
    let mut args = std::env::args().skip(1);
    let op = args.next().unwrap_or_default();
    let n: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(1000);
    let timed = args.next().is_some_and(|a| a == "time");
    let data: Vec<u8> = (0..1024u32).map(|i| i as u8).collect();
    let b = Bytes::from(data.clone());
    let bb = bytes::Bytes::from(data.clone());
    let ba = ByteArray::from(data.clone());
    let m = MemoryView::new(&b)?;
    let mba = MemoryView::new(&ba)?;
    let tb = m.typed::<u8>()?;
    let tba = mba.typed::<u8>()?;
    let (mi, mbai) = (m.cast("i")?, mba.cast("i")?);
    let tib = mi.typed::<i32>()?;
    let vi: Vec<i32> = data
        .chunks_exact(4)
        .map(|c| i32::from_ne_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    let big: Vec<u8> = (0..65536u32).map(|i| (i * 7) as u8).collect();
    let (bigb, bigba) = (Bytes::from(big.clone()), ByteArray::from(big.clone()));
    let (mb, mba2) = (MemoryView::new(&bigb)?, MemoryView::new(&bigba)?);
    let (sb, sba) = (mb.typed::<u8>()?, mba2.typed::<u8>()?);
    let (ib, iba) = (mb.cast("i")?, mba2.cast("i")?);
    let sum = |t: &bufproto::Typed<'_, u8>| -> Result<u64, Error> {
        let mut s = 0u64;
        t.for_each_chunk(|c| s += c.iter().map(|&b| u64::from(b)).sum::<u64>())?;
        Ok(s)
    };
    let mut acc = 0u64;
    // One loop per op, chosen once: the per-call count holds the loop and
    // `black_box` overhead only (`vget` shows how much).
    macro_rules! run {
        (|$i:ident| $body:expr) => {{
            let mut best = f64::INFINITY;
            for _ in 0..if timed { 5 } else { 1 } {
                let t = std::time::Instant::now();
                for k in 0..n {
                    let $i = black_box(k % 1000);
                    $body;
                }
                best = best.min(t.elapsed().as_secs_f64() * 1e9 / n.max(1) as f64);
            }
            if timed {
                println!("{op}: {best:.1} ns per call");
            }
        }};
    }
    match op.as_str() {
        "new" => run!(|_i| drop(black_box(MemoryView::new(black_box(&b))?))),
        "new_ba" => run!(|_i| drop(black_box(MemoryView::new(black_box(&ba))?))),
        "new_m" => run!(|_i| drop(black_box(MemoryView::new(black_box(&m))?))),
        "buf" => run!(|_i| drop(black_box(black_box(&b).get_buffer(Flags::FULL_RO)?))),
        "buf_ba" => run!(|_i| drop(black_box(black_box(&ba).get_buffer(Flags::FULL_RO)?))),
        "clone" => run!(|_i| drop(black_box(black_box(&bb).clone()))),
        "slice" => run!(|_i| drop(black_box(black_box(&m).slice(Some(1), Some(-1), None)?))),
        "bslice" => run!(|_i| drop(black_box(
            black_box(&bb).slice(black_box(1)..black_box(1023))
        ))),
        "get_ba" => run!(|i| acc += u64::from(black_box(&tba).get(i).unwrap_or(0))),
        "get_b" => run!(|i| acc += u64::from(black_box(&tb).get(i).unwrap_or(0))),
        "mget_b" => run!(|i| acc += black_box(black_box(&m).get(i as isize)).is_ok() as u64),
        "mget_ba" => run!(|i| acc += black_box(black_box(&mba).get(i as isize)).is_ok() as u64),
        "mset_ba" => run!(|i| acc += black_box(black_box(&mba).set(i as isize, 7)).is_ok() as u64),
        "mgeti_b" => {
            run!(|i| acc += black_box(black_box(&mi).get((i / 4) as isize)).is_ok() as u64)
        }
        "mseti_ba" => {
            run!(|i| acc += black_box(black_box(&mbai).set((i / 4) as isize, 7)).is_ok() as u64)
        }
        "tgeti_b" => run!(|i| acc += black_box(&tib).get(i / 4).unwrap_or(0) as u64),
        "vgeti" => run!(|i| acc += black_box(&vi[..]).get(i / 4).copied().unwrap_or(0) as u64),
        "vget" => run!(|i| acc += u64::from(black_box(&data[..]).get(i).copied().unwrap_or(0))),
        "sum_ba" => run!(|_i| acc += sum(black_box(&sba))?),
        "sum_b" => run!(|_i| acc += sum(black_box(&sb))?),
        "sum_v" => run!(|_i| acc += black_box(&big[..])
            .iter()
            .map(|&b| u64::from(b))
            .sum::<u64>()),
        "tolist_ba" => run!(|_i| drop(black_box(black_box(&iba).tolist()?))),
        "tolist_b" => run!(|_i| drop(black_box(black_box(&ib).tolist()?))),
        _ => return Err(Error::new(ErrorKind::ValueError, "unknown op")),
    }
    black_box(acc);
    Ok(())
}
