//! Threads racing resizes against views. One thread owns a `ByteArray` and
//! tries to resize it in a loop; others receive views of it, derive more
//! (slices, views of views, buffers), write through them, and release them.
//! Invariants: no resize succeeds while any view is alive (a flag raised
//! only while a thread holds one), a live view's length never changes, and
//! no write is lost.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use bufproto::{ByteArray, Exporter, Flags, MemoryView};

use crate::harness;

/// Operations per run: `ADVERSARIAL_CASES` (default 20,000), bounded by
/// time (2 s in the quick pass, 10 minutes at most otherwise).
#[test]
fn threads_racing_resizes() {
    let target = harness::cases(20_000) as u64;
    let limit = if target <= 20_000 {
        Duration::from_secs(2)
    } else {
        Duration::from_secs(600)
    };
    let seed = harness::seed("threads_racing_resizes");
    let ops = Arc::new(AtomicU64::new(0));
    let holders = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let mut ba = ByteArray::from(vec![7u8; 16]);
    let (tx, rx) = mpsc::channel::<Option<MemoryView>>();
    let rx = Arc::new(std::sync::Mutex::new(rx));
    let mut workers = Vec::new();
    for w in 0..2u64 {
        let (rx, ops, holders, stop) = (rx.clone(), ops.clone(), holders.clone(), stop.clone());
        workers.push(std::thread::spawn(move || -> Result<(), String> {
            let mut x = seed ^ w.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
            loop {
                let next = rx
                    .lock()
                    .map_err(|_| "poisoned")?
                    .recv_timeout(Duration::from_millis(50));
                let view = match next {
                    Ok(Some(v)) => v,
                    Ok(None) => return Ok(()),
                    Err(_) if stop.load(Ordering::SeqCst) => return Ok(()),
                    Err(_) => continue,
                };
                // Raised after the view exists, lowered before it is dropped:
                // while it is up, a view is alive.
                holders.fetch_add(1, Ordering::SeqCst);
                let n = view.len().map_err(|e| e.to_string())?;
                for _ in 0..(x % 8 + 1) {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    let sub = view
                        .slice(
                            Some((x % 5) as isize),
                            None,
                            Some(if x.is_multiple_of(2) { 1 } else { -1 }),
                        )
                        .map_err(|e| e.to_string())?;
                    let buf = sub.get_buffer(Flags::STRIDED).map_err(|e| e.to_string())?;
                    let again = MemoryView::new(&sub).map_err(|e| e.to_string())?;
                    // Each worker writes its own bytes (even or odd), so a
                    // changed value can only be a lost write.
                    let at = ((x % (n as u64 / 2).max(1)) * 2 + w) as isize;
                    if n >= 2 {
                        view.set(at, (x & 0xff) as u8 as i128)
                            .map_err(|e| e.to_string())?;
                        let back = view.get(at).map_err(|e| e.to_string())?;
                        if back != bufproto::format::Value::Int(i128::from((x & 0xff) as u8)) {
                            return Err(format!("a write was lost: {back:?}"));
                        }
                    }
                    if view.len().map_err(|e| e.to_string())? != n
                        || again.len().ok() != sub.len().ok()
                    {
                        return Err("a live view changed length".into());
                    }
                    drop((buf, again));
                    ops.fetch_add(1, Ordering::Relaxed);
                }
                holders.fetch_sub(1, Ordering::SeqCst);
                drop(view);
            }
        }));
    }
    let start = Instant::now();
    let mut failures = Vec::new();
    let mut rounds = 0u64;
    while ops.load(Ordering::Relaxed) < target && start.elapsed() < limit {
        rounds += 1;
        // Hand out a view, then race resizes against the worker holding it.
        match MemoryView::new(&ba) {
            Ok(v) => {
                if tx.send(Some(v)).is_err() {
                    break;
                }
            }
            Err(e) => failures.push(format!("MemoryView::new: {e}")),
        }
        for k in 0..4 {
            let held = holders.load(Ordering::SeqCst) > 0;
            let len = ba.len();
            let r = if k % 2 == 0 {
                ba.append(1)
            } else {
                ba.pop(None).map(|_| ())
            };
            if r.is_ok() && held {
                failures.push(format!(
                    "round {rounds}: a resize succeeded while a view was held"
                ));
            }
            if r.is_err() && ba.len() != len {
                failures.push(format!(
                    "round {rounds}: a failed resize changed the length"
                ));
            }
            ops.fetch_add(1, Ordering::Relaxed);
        }
    }
    stop.store(true, Ordering::SeqCst);
    for _ in 0..2 {
        let _ = tx.send(None);
    }
    for w in workers {
        match w.join() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => failures.push(e),
            Err(p) => failures.push(format!(
                "PANIC in a worker: {}",
                harness::panic_text(p.as_ref())
            )),
        }
    }
    // Every view is gone: the bytearray must resize again.
    if let Err(e) = ba.append(0) {
        failures.push(format!("after every view was released, append failed: {e}"));
    }
    let panics = failures.iter().filter(|f| f.starts_with("PANIC")).count() as u64;
    harness::report(
        "threads_racing_resizes",
        ops.load(Ordering::Relaxed),
        panics,
        seed,
    );
    assert!(
        failures.is_empty(),
        "threads_racing_resizes (seed {seed:#x}): {failures:?}"
    );
}
