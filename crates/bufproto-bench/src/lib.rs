//! Benchmarks of `bufproto` against CPython, `bytes::Bytes`, plain slices
//! and `memcpy`, and the files that the book's performance chapter reads.
//!
//! Every benchmark is registered once, in [`register`], against a
//! [`Runner`]: [`Criterion`](CriterionRunner) measures it (the `report`
//! binary), [`Once`] runs it a single time (the quick test under `cargo
//! test`, so no benchmark can rot). CPython's side is `src/cpython.py`, run
//! by [`run_cpython`] with the machine's `python3` in the same run.
//!
//! ```console
//! $ cargo run --release -p bufproto-bench --bin report   # writes src/performance/
//! ```

pub mod bridge;
pub mod regressions;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
use std::hint::black_box;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use bufproto::format::Value;
use bufproto::{ByteArray, Bytes, Error, MemoryView};
use criterion::{BenchmarkId, Criterion, SamplingMode};

mod svg;
pub use svg::{ops_svg, slice_svg, tobytes_svg};

/// One KiB.
pub const KIB: usize = 1024;
/// One MiB.
pub const MIB: usize = 1024 * 1024;

/// What to run: the sizes of the size-dependent benchmarks, the item count
/// of `tolist`, and the buffer size of item get/set.
#[derive(Clone, Debug)]
pub struct Config {
    /// Buffer sizes in bytes.
    pub sizes: Vec<usize>,
    /// Items of the `'i'` view that `tolist` converts.
    pub items: usize,
    /// Size of the buffer that `get`/`set` index into.
    pub get_size: usize,
}

impl Config {
    /// The measured run: 1 KiB to 64 MiB, `tolist` of 1 M items.
    pub fn full() -> Config {
        Config {
            sizes: vec![KIB, 64 * KIB, MIB, 64 * MIB],
            items: 1 << 20,
            get_size: MIB,
        }
    }

    /// Every benchmark once, on small sizes (debug builds, tests).
    pub fn quick() -> Config {
        Config {
            sizes: vec![KIB, 64 * KIB],
            items: 1024,
            get_size: KIB,
        }
    }
}

/// One timing: median nanoseconds per call of `op` done by `imp` at `size`.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    /// The operation (`"slice"`, `"tobytes"`, ...).
    pub op: String,
    /// Who does it (`"bufproto"`, `"cpython"`, `"bytes"`, `"to_vec"`, ...).
    pub imp: String,
    /// Bytes (or items, for `tolist`).
    pub size: usize,
    /// Median time per call in nanoseconds.
    pub ns: f64,
}

/// Something that runs a benchmark: measures it, or just calls it.
pub trait Runner {
    /// Runs `f` as benchmark `op`/`imp`/`size`.
    fn bench<O, F: FnMut() -> O>(&mut self, op: &'static str, imp: &'static str, size: usize, f: F);
}

/// Calls every benchmark once and records that single (meaningless) time.
#[derive(Default)]
pub struct Once {
    /// One sample per benchmark.
    pub samples: Vec<Sample>,
}

impl Runner for Once {
    fn bench<O, F: FnMut() -> O>(
        &mut self,
        op: &'static str,
        imp: &'static str,
        size: usize,
        mut f: F,
    ) {
        let t = Instant::now();
        black_box(f());
        self.samples.push(Sample {
            op: op.into(),
            imp: imp.into(),
            size,
            ns: t.elapsed().as_nanos() as f64,
        });
    }
}

/// Measures with Criterion and reads back each median from Criterion's
/// `estimates.json`.
pub struct CriterionRunner {
    criterion: Criterion,
    dir: PathBuf,
    /// If set, only these operations are measured (for working on one).
    pub only: Option<Vec<String>>,
    /// One sample per benchmark.
    pub samples: Vec<Sample>,
}

impl CriterionRunner {
    /// Criterion with short warm-up and measurement times (the whole run
    /// takes minutes, not an hour), writing its files under `dir`.
    pub fn new(dir: &Path) -> CriterionRunner {
        let criterion = Criterion::default()
            .output_directory(dir)
            .without_plots()
            .warm_up_time(Duration::from_millis(300))
            .measurement_time(Duration::from_millis(1200))
            .sample_size(30)
            .nresamples(20_000);
        CriterionRunner {
            criterion,
            dir: dir.to_path_buf(),
            only: None,
            samples: Vec::new(),
        }
    }
}

impl Runner for CriterionRunner {
    fn bench<O, F: FnMut() -> O>(
        &mut self,
        op: &'static str,
        imp: &'static str,
        size: usize,
        mut f: F,
    ) {
        if self
            .only
            .as_ref()
            .is_some_and(|o| !o.iter().any(|x| x == op))
        {
            return;
        }
        let mut g = self.criterion.benchmark_group(op);
        if size >= 16 * MIB || op == "tolist" || (op == "grow" && size >= MIB) {
            // Slow calls: equal-sized samples, as few as Criterion allows.
            g.sampling_mode(SamplingMode::Flat).sample_size(10);
        }
        g.bench_function(BenchmarkId::new(imp, size), |b| b.iter(&mut f));
        g.finish();
        let path = self
            .dir
            .join(op)
            .join(imp)
            .join(size.to_string())
            .join("new/estimates.json");
        let ns = std::fs::read_to_string(&path)
            .ok()
            .and_then(|s| serde_json::from_str::<serde_json::Value>(&s).ok())
            .and_then(|v| v["median"]["point_estimate"].as_f64())
            .unwrap_or_else(|| panic!("no median in {}", path.display()));
        self.samples.push(Sample {
            op: op.into(),
            imp: imp.into(),
            size,
            ns,
        });
    }
}

/// The bytes every benchmark works on (the same as `cpython.py`'s).
pub fn pattern(n: usize) -> Vec<u8> {
    let block: Vec<u8> = (0..256).map(|i| ((i * 31) % 251) as u8).collect();
    let mut v = Vec::with_capacity(n);
    while v.len() + 256 <= n {
        v.extend_from_slice(&block);
    }
    v.resize(n, 0);
    v
}

/// Registers every Rust benchmark with `r`.
///
/// # Errors
///
/// Any `bufproto` error while building the inputs (none is expected).
pub fn register<R: Runner>(r: &mut R, cfg: &Config) -> Result<(), Error> {
    for &n in &cfg.sizes {
        let v = pattern(n);
        let v2 = v.clone();
        let b = Bytes::from(v.clone());
        let b2 = Bytes::from(v.clone());
        let ba = ByteArray::from(v.clone());
        let ba2 = ByteArray::from(v.clone());
        let bb = bytes::Bytes::from(v.clone());
        let bb2 = bytes::Bytes::from(v.clone());
        let m = MemoryView::new(&b)?;
        let m2 = MemoryView::new(&b2)?;
        let mba = MemoryView::new(&ba)?;
        let mba2 = MemoryView::new(&ba2)?;

        // memoryview(obj)
        r.bench("new", "bufproto", n, || MemoryView::new(black_box(&b)));
        r.bench("new", "bufproto-bytearray", n, || {
            MemoryView::new(black_box(&ba))
        });
        r.bench("new", "bytes", n, || black_box(&bb).clone());

        // m[1:-1]
        r.bench("slice", "bufproto", n, || {
            black_box(&m).slice(black_box(Some(1)), black_box(Some(-1)), None)
        });
        r.bench("slice", "bytes", n, || {
            black_box(&bb).slice(black_box(1)..black_box(n - 1))
        });
        r.bench("slice", "slice", n, || {
            let s: &[u8] = &black_box(&v[..])[black_box(1)..black_box(n - 1)];
            black_box(s);
        });

        // m[::2]
        r.bench("slice_step", "bufproto", n, || {
            black_box(&m).slice(None, None, black_box(Some(2)))
        });

        // m.tobytes()
        r.bench("tobytes", "bufproto", n, || black_box(&m).tobytes());
        r.bench("tobytes", "bufproto-bytearray", n, || {
            black_box(&mba).tobytes()
        });
        r.bench("tobytes", "bytes", n, || {
            bytes::Bytes::copy_from_slice(black_box(&bb))
        });
        r.bench("tobytes", "to_vec", n, || black_box(&v[..]).to_vec());
        let mut dst = vec![0u8; n];
        r.bench("tobytes", "copy_from_slice", n, || {
            dst.copy_from_slice(black_box(&v));
            black_box(&dst);
        });
        drop(dst);

        // m[::2].tobytes()
        let s = m.slice(None, None, Some(2))?;
        let sba = mba.slice(None, None, Some(2))?;
        r.bench("tobytes_step2", "bufproto", n, || black_box(&s).tobytes());
        r.bench("tobytes_step2", "bufproto-bytearray", n, || {
            black_box(&sba).tobytes()
        });
        r.bench("tobytes_step2", "chunks_exact", n, || {
            black_box(&v[..])
                .chunks_exact(2)
                .map(|c| c[0])
                .collect::<Vec<u8>>()
        });
        r.bench("tobytes_step2", "step_by", n, || {
            black_box(&v[..])
                .iter()
                .step_by(2)
                .copied()
                .collect::<Vec<u8>>()
        });
        drop((s, sba));

        // m.cast('i')
        r.bench("cast", "bufproto", n, || black_box(&m).cast("i"));

        // m == m2 (equal contents, different memory)
        r.bench("eq", "bufproto", n, || black_box(&m) == black_box(&m2));
        r.bench("eq", "bufproto-bytearray", n, || {
            black_box(&mba).equals(black_box(&mba2))
        });
        r.bench("eq", "bytes", n, || black_box(&bb) == black_box(&bb2));
        r.bench("eq", "slice", n, || black_box(&v[..]) == black_box(&v2[..]));

        // hash(memoryview(b)) on a fresh view (a view caches its hash)
        r.bench("hash", "bufproto", n, || {
            MemoryView::new(black_box(&b)).and_then(|m| m.hash())
        });
        r.bench("hash", "slice", n, || {
            BuildHasherDefault::<DefaultHasher>::default().hash_one(black_box(&v[..]))
        });

        // bytearray growth: x = bytearray(); x += chunk, n / 1 KiB times
        let chunk = [0u8; KIB];
        let reps = (n / KIB).max(1);
        r.bench("grow", "bufproto", n, || {
            let mut x = ByteArray::new();
            for _ in 0..reps {
                x.extend(black_box(&chunk))?;
            }
            Ok::<_, Error>(x)
        });
        r.bench("grow", "vec", n, || {
            let mut x = Vec::new();
            for _ in 0..reps {
                x.extend_from_slice(black_box(&chunk));
            }
            x
        });
    }

    // m[i], m[i] = 7
    let n = cfg.get_size;
    let i = n / 2;
    let v = pattern(n);
    let b = Bytes::from(v.clone());
    let ba = ByteArray::from(v.clone());
    let m = MemoryView::new(&b)?;
    let mba = MemoryView::new(&ba)?;
    r.bench("get", "bufproto", n, || {
        black_box(&m).get(black_box(i as isize))
    });
    r.bench("get", "bufproto-bytearray", n, || {
        black_box(&mba).get(black_box(i as isize))
    });
    r.bench("get", "slice", n, || black_box(&v[..])[black_box(i)]);
    // A slice index returned as `m.get` returns its item: what a
    // `Result<Value>` costs the caller, without the view.
    r.bench("get", "slice-value", n, || {
        Ok::<Value, Error>(Value::Int(i128::from(black_box(&v[..])[black_box(i)])))
    });
    let rw = Arc::new(RwLock::new(v.clone()));
    r.bench("get", "rwlock", n, || {
        black_box(&rw).read().map(|g| g[black_box(i)]).ok()
    });
    let rc = Rc::new(RefCell::new(v.clone()));
    r.bench("get", "refcell", n, || {
        black_box(&rc).borrow()[black_box(i)]
    });
    r.bench("set", "bufproto", n, || {
        black_box(&mba).set(black_box(i as isize), 7)
    });
    let mut w = v.clone();
    r.bench("set", "slice", n, || {
        black_box(&mut w[..])[black_box(i)] = 7;
    });
    r.bench("set", "rwlock", n, || {
        if let Ok(mut g) = black_box(&rw).write() {
            g[black_box(i)] = 7;
        }
    });
    r.bench("set", "refcell", n, || {
        black_box(&rc).borrow_mut()[black_box(i)] = 7;
    });

    // The trade behind the crate's bytearray storage (chapters 7 and 15):
    // a byte store and a comparison over atomic bytes against atomic
    // 64-bit words, outside the crate.
    let bytes8: Vec<AtomicU8> = v.iter().map(|&b| AtomicU8::new(b)).collect();
    let bytes8b: Vec<AtomicU8> = v.iter().map(|&b| AtomicU8::new(b)).collect();
    let words: Vec<AtomicU64> = v
        .chunks(8)
        .map(|c| {
            let mut w = [0u8; 8];
            w[..c.len()].copy_from_slice(c);
            AtomicU64::new(u64::from_ne_bytes(w))
        })
        .collect();
    let wordsb: Vec<AtomicU64> = words
        .iter()
        .map(|w| AtomicU64::new(w.load(Ordering::Relaxed)))
        .collect();
    r.bench("atomic_store", "u8", n, || {
        black_box(&bytes8)[black_box(i)].store(7, Ordering::Relaxed);
    });
    r.bench("atomic_store", "u64-cas", n, || {
        let j = black_box(i);
        let shift = 8 * (j % 8);
        let _ = black_box(&words)[j / 8].fetch_update(Ordering::Relaxed, Ordering::Relaxed, |w| {
            Some(w & !(0xff << shift) | (7 << shift))
        });
    });
    r.bench("atomic_eq", "u8", n, || {
        black_box(&bytes8)
            .iter()
            .zip(black_box(&bytes8b))
            .all(|(a, b)| a.load(Ordering::Relaxed) == b.load(Ordering::Relaxed))
    });
    r.bench("atomic_eq", "u64", n, || {
        black_box(&words)
            .iter()
            .zip(black_box(&wordsb))
            .all(|(a, b)| a.load(Ordering::Relaxed) == b.load(Ordering::Relaxed))
    });
    drop((bytes8, bytes8b, words, wordsb));

    // mi[j], mi[j] = 7 on an 'i' view (j: the same byte, n / 2)
    let j = n / 8;
    let mi = m.cast("i")?;
    let mbai = mba.cast("i")?;
    let vi: Vec<i32> = v
        .chunks_exact(4)
        .map(|c| i32::from_ne_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    r.bench("get_i", "bufproto", n, || {
        black_box(&mi).get(black_box(j as isize))
    });
    r.bench("get_i", "bufproto-bytearray", n, || {
        black_box(&mbai).get(black_box(j as isize))
    });
    r.bench("get_i", "slice", n, || black_box(&vi[..])[black_box(j)]);
    r.bench("set_i", "bufproto", n, || {
        black_box(&mbai).set(black_box(j as isize), 7)
    });
    let mut wi = vi.clone();
    r.bench("set_i", "slice", n, || {
        black_box(&mut wi[..])[black_box(j)] = 7;
    });

    // the typed path: m.typed::<u8>()?.get(i), mi.typed::<i32>()?.get(j)
    let tb = m.typed::<u8>()?;
    let tba = mba.typed::<u8>()?;
    let ti = mi.typed::<i32>()?;
    r.bench("typed_get", "bufproto", n, || {
        black_box(&tb).get(black_box(i))
    });
    r.bench("typed_get", "bufproto-bytearray", n, || {
        black_box(&tba).get(black_box(i))
    });
    r.bench("typed_get", "bufproto-i", n, || {
        black_box(&ti).get(black_box(j))
    });
    r.bench("typed_get", "slice", n, || {
        black_box(&v[..]).get(black_box(i)).copied()
    });
    r.bench("typed_get", "slice-i", n, || {
        black_box(&vi[..]).get(black_box(j)).copied()
    });

    // sum of every byte: typed chunks, and the same loop over a slice
    r.bench("typed_iter", "bufproto", n, || {
        let mut sum = 0u64;
        black_box(&tb).for_each_chunk(|c| sum += c.iter().map(|&b| u64::from(b)).sum::<u64>())?;
        Ok::<_, Error>(sum)
    });
    r.bench("typed_iter", "bufproto-bytearray", n, || {
        let mut sum = 0u64;
        black_box(&tba).for_each_chunk(|c| sum += c.iter().map(|&b| u64::from(b)).sum::<u64>())?;
        Ok::<_, Error>(sum)
    });
    r.bench("typed_iter", "slice", n, || {
        black_box(&v[..]).iter().map(|&b| u64::from(b)).sum::<u64>()
    });

    // m.cast('i').tolist() (the cast is timed separately)
    let n = cfg.items;
    let vi = pattern(n * 4);
    let bi = Bytes::from(vi.clone());
    let bai = ByteArray::from(vi.clone());
    let mi = MemoryView::new(&bi)?.cast("i")?;
    let mbai = MemoryView::new(&bai)?.cast("i")?;
    r.bench("tolist", "bufproto", n, || black_box(&mi).tolist());
    r.bench("tolist", "bufproto-bytearray", n, || {
        black_box(&mbai).tolist()
    });
    let ti = mi.typed::<i32>()?;
    r.bench("tolist", "typed", n, || black_box(&ti).to_vec());
    r.bench("tolist", "slice", n, || {
        black_box(&vi[..])
            .chunks_exact(4)
            .map(|c| i32::from_ne_bytes([c[0], c[1], c[2], c[3]]))
            .collect::<Vec<i32>>()
    });
    Ok(())
}

/// Runs `src/cpython.py` with `python3` (or `$BUFPROTO_BENCH_PYTHON`) and
/// returns its version and samples.
///
/// # Errors
///
/// A message if Python cannot be started, fails, or prints no JSON.
pub fn run_cpython(cfg: &Config, quick: bool) -> Result<(String, Vec<Sample>), String> {
    let sizes: Vec<String> = cfg.sizes.iter().map(usize::to_string).collect();
    let args = [
        sizes.join(","),
        cfg.items.to_string(),
        (if quick { "1" } else { "0" }).into(),
        cfg.get_size.to_string(),
    ];
    let v = run_python("src/cpython.py", include_str!("cpython.py"), &args, None)?;
    let version = format!(
        "{} {}",
        v["implementation"].as_str().unwrap_or("?"),
        v["python"].as_str().unwrap_or("?")
    );
    Ok((version, samples_of(&v)?))
}

/// Runs one of the Python scripts (`name` its path, for messages;
/// `script` its text, sent on stdin after `timing.py`, which both scripts
/// use) with `python3` (or `$BUFPROTO_BENCH_PYTHON`), `args` on its
/// command line and `pythonpath` as `PYTHONPATH`, and parses the JSON
/// object it prints.
pub(crate) fn run_python(
    name: &str,
    script: &str,
    args: &[String],
    pythonpath: Option<&Path>,
) -> Result<serde_json::Value, String> {
    let python = std::env::var("BUFPROTO_BENCH_PYTHON").unwrap_or_else(|_| "python3".into());
    let mut cmd = Command::new(&python);
    cmd.arg("-").args(args);
    if let Some(dir) = pythonpath {
        cmd.env("PYTHONPATH", dir);
    }
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {python}: {e}"))?;
    let mut stdin = child.stdin.take().ok_or("no stdin")?;
    stdin
        .write_all(include_str!("timing.py").as_bytes())
        .and_then(|()| stdin.write_all(script.as_bytes()))
        .map_err(|e| e.to_string())?;
    drop(stdin);
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!("{python} {name} failed: {}", out.status));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("bad JSON from {python}: {e}"))
}

/// The samples of a script's JSON object: its `results` list, each
/// `{"op", "imp", "size", "ns"}`.
pub(crate) fn samples_of(v: &serde_json::Value) -> Result<Vec<Sample>, String> {
    Ok(v["results"]
        .as_array()
        .ok_or("no results")?
        .iter()
        .map(|r| Sample {
            op: r["op"].as_str().unwrap_or("?").into(),
            imp: r["imp"].as_str().unwrap_or("?").into(),
            size: r["size"].as_u64().unwrap_or(0) as usize,
            ns: r["ns"].as_f64().unwrap_or(f64::NAN),
        })
        .collect())
}

/// A whole run: where and when it happened, and every sample.
#[derive(Clone, Debug)]
pub struct Report {
    /// CPU model, cores, OS.
    pub machine: String,
    /// UTC date of the run, `YYYY-MM-DD`.
    pub date: String,
    /// `rustc --version` and the build profile.
    pub rust: String,
    /// `cpython 3.11.7`.
    pub python: String,
    /// The sizes of the run.
    pub config: Config,
    /// Every sample, Rust and CPython.
    pub samples: Vec<Sample>,
}

/// A short description of this machine: CPU model, logical CPUs, kernel.
pub fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_string())
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_string());
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let os = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|s| format!("Linux {}", s.trim()))
        .unwrap_or_else(|_| std::env::consts::OS.to_string());
    format!("{cpu}, {cpus} logical CPUs, {os}")
}

/// Today's UTC date, `YYYY-MM-DD`.
pub fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    // Howard Hinnant's civil_from_days.
    let z = (secs / 86_400) as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// `rustc --version`, or `rustc` if it cannot be asked.
pub fn rustc_version() -> String {
    Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()))
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map_or_else(|| "rustc".into(), |s| s.trim().to_string())
}

impl Report {
    /// The median time of one sample, if it was measured.
    pub fn ns(&self, op: &str, imp: &str, size: usize) -> Option<f64> {
        self.samples
            .iter()
            .find(|s| s.op == op && s.imp == imp && s.size == size)
            .map(|s| s.ns)
    }

    /// The size at which an operation is compared across implementations.
    pub fn size_of(&self, op: &str) -> usize {
        match op {
            "get" | "set" | "get_i" | "set_i" | "typed_get" | "typed_iter" => self.config.get_size,
            "tolist" => self.config.items,
            _ => {
                let s = &self.config.sizes;
                // 1 MiB in the full run: large enough to matter, small
                // enough to stay in cache.
                s.iter()
                    .copied()
                    .find(|&x| x == MIB)
                    .unwrap_or(s[s.len() - 1])
            }
        }
    }

    /// A report read back from `results.json` (to redraw the tables and
    /// plots without measuring again: `report --render`).
    ///
    /// # Errors
    ///
    /// A message if the JSON does not have the shape [`Report::to_json`] writes.
    pub fn from_json(text: &str) -> Result<Report, String> {
        let v: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let field = |k: &str| v[k].as_str().map(String::from).ok_or(format!("no {k}"));
        let samples: Vec<Sample> = v["samples"]
            .as_array()
            .ok_or("no samples")?
            .iter()
            .map(|s| Sample {
                op: s["op"].as_str().unwrap_or("?").into(),
                imp: s["imp"].as_str().unwrap_or("?").into(),
                size: s["size"].as_u64().unwrap_or(0) as usize,
                ns: s["median_ns"].as_f64().unwrap_or(f64::NAN),
            })
            .collect();
        let size_of = |op: &str| samples.iter().find(|s| s.op == op).map_or(0, |s| s.size);
        let mut sizes: Vec<usize> = samples
            .iter()
            .filter(|s| s.op == "slice" && s.imp == "bufproto")
            .map(|s| s.size)
            .collect();
        sizes.sort_unstable();
        Ok(Report {
            machine: field("machine")?,
            date: field("date")?,
            rust: field("rust")?,
            python: field("python")?,
            config: Config {
                sizes,
                items: size_of("tolist"),
                get_size: size_of("get"),
            },
            samples,
        })
    }

    /// The results as JSON (what `results.json` holds).
    pub fn to_json(&self) -> String {
        let samples: Vec<serde_json::Value> = self
            .samples
            .iter()
            .map(|s| {
                serde_json::json!({
                    "op": s.op, "imp": s.imp, "size": s.size,
                    "median_ns": (s.ns * 100.0).round() / 100.0,
                })
            })
            .collect();
        let v = serde_json::json!({
            "machine": self.machine,
            "date": self.date,
            "rust": self.rust,
            "python": self.python,
            "note": "median time per call; Rust by Criterion, CPython by timeit (median of 5 repeats); one noisy shared machine",
            "samples": samples,
        });
        serde_json::to_string_pretty(&v).unwrap_or_default() + "\n"
    }
}

/// The operations, in the order the chapter presents them, with the Python
/// spelling and the Rust peer each is compared with.
pub const OPS: &[(&str, &str, &str, &str)] = &[
    ("new", "memoryview(b)", "bytes", "`Bytes::clone`"),
    ("slice", "m[1:-1]", "bytes", "`Bytes::slice`"),
    ("slice_step", "m[::2]", "", ""),
    ("get", "m[i]", "slice", "`v[i]`"),
    ("set", "m[i] = 7", "slice", "`v[i] = 7`"),
    ("get_i", "mi[j] ('i')", "slice", "`v[j]` (`&[i32]`)"),
    (
        "set_i",
        "mi[j] = 7 ('i')",
        "slice",
        "`v[j] = 7` (`&mut [i32]`)",
    ),
    ("tobytes", "m.tobytes()", "to_vec", "`to_vec` (memcpy)"),
    (
        "tobytes_step2",
        "m[::2].tobytes()",
        "chunks_exact",
        "`chunks_exact(2)` loop",
    ),
    (
        "tolist",
        "m.cast('i').tolist()",
        "slice",
        "`Vec<i32>` from chunks",
    ),
    ("cast", "m.cast('i')", "", ""),
    ("eq", "m == m2", "slice", "`&[u8] == &[u8]` (memcmp)"),
    (
        "hash",
        "hash(memoryview(b))",
        "slice",
        "SipHash-1-3 of `&[u8]`",
    ),
    (
        "grow",
        "x += chunk (1 KiB)",
        "vec",
        "`Vec::extend_from_slice`",
    ),
];

/// Formats nanoseconds for a table: `12.3 ns`, `4.56 µs`, `1.23 ms`.
pub fn fmt_ns(ns: f64) -> String {
    let (v, unit) = if ns < 1e3 {
        (ns, "ns")
    } else if ns < 1e6 {
        (ns / 1e3, "µs")
    } else if ns < 1e9 {
        (ns / 1e6, "ms")
    } else {
        (ns / 1e9, "s")
    };
    if v >= 100.0 {
        format!("{v:.0} {unit}")
    } else if v >= 10.0 {
        format!("{v:.1} {unit}")
    } else {
        format!("{v:.2} {unit}")
    }
}

/// A size for people: `1 KiB`, `64 MiB`, or an item count.
pub fn fmt_size(n: usize) -> String {
    if n >= MIB && n.is_multiple_of(MIB) {
        format!("{} MiB", n / MIB)
    } else if n >= KIB && n.is_multiple_of(KIB) {
        format!("{} KiB", n / KIB)
    } else {
        format!("{n} B")
    }
}

fn ratio(x: Option<f64>, y: Option<f64>) -> String {
    match (x, y) {
        (Some(a), Some(b)) if b > 0.0 => {
            let r = a / b;
            if r >= 10.0 {
                format!("{r:.0}×")
            } else {
                format!("{r:.2}×")
            }
        }
        _ => "—".into(),
    }
}

fn cell(x: Option<f64>) -> String {
    x.map_or_else(|| "—".into(), fmt_ns)
}

/// A goal of issue 15 ("fast where it counts") and whether the run meets it.
#[derive(Clone, Debug)]
pub struct Goal {
    /// The operation, as the table names it.
    pub operation: String,
    /// What was measured (times and their ratio).
    pub measured: String,
    /// What is promised.
    pub goal: String,
    /// Whether it holds in this run.
    pub holds: bool,
}

/// One goal "`op`/`imp` takes at most `want` times `peer`'s time".
struct Within<'a> {
    op: &'a str,
    imp: &'a str,
    peer: (&'a str, &'a str),
    size: usize,
    name: String,
    peer_name: &'a str,
    want: f64,
}

impl Report {
    fn pair(&self, a: (&str, &str, usize), b: (&str, &str, usize)) -> Option<(f64, f64)> {
        Some((self.ns(a.0, a.1, a.2)?, self.ns(b.0, b.1, b.2)?))
    }

    fn within(&self, w: Within<'_>) -> Goal {
        let r = self.pair((w.op, w.imp, w.size), (w.peer.0, w.peer.1, w.size));
        Goal {
            operation: w.name,
            measured: match r {
                Some((c, q)) => format!("{} vs {} ({:.2}×)", fmt_ns(c), fmt_ns(q), c / q),
                None => "—".into(),
            },
            goal: format!("≤ {}× {}", w.want, w.peer_name),
            holds: r.is_some_and(|(c, q)| c <= w.want * q),
        }
    }

    /// Every goal of issue 15 that a benchmark measures, checked against
    /// this run: item access and `tolist` against CPython, view creation,
    /// slicing and copies against their Rust peers, the typed path against
    /// plain slices. (`Array::get`/`set` being O(1) without allocation is
    /// pinned by `crates/bufproto/tests/allocations.rs`, not timed.)
    pub fn goals(&self) -> Vec<Goal> {
        let mut g = Vec::new();
        let sizes = &self.config.sizes;
        let (lo, hi) = (sizes[0], sizes[sizes.len() - 1]);
        let mib = self.size_of("tobytes");
        // "faster than CPython": CPython's time over the crate's.
        let faster = [
            ("get", "bufproto", "`m[i]`, `B` view of bytes", 5.0),
            (
                "get",
                "bufproto-bytearray",
                "`m[i]`, `B` view of a bytearray",
                5.0,
            ),
            (
                "set",
                "bufproto",
                "`m[i] = 7`, `B` view of a bytearray",
                5.0,
            ),
            ("get_i", "bufproto", "`mi[j]`, `i` view of bytes", 5.0),
            (
                "get_i",
                "bufproto-bytearray",
                "`mi[j]`, `i` view of a bytearray",
                5.0,
            ),
            (
                "set_i",
                "bufproto",
                "`mi[j] = 7`, `i` view of a bytearray",
                5.0,
            ),
            ("tolist", "bufproto", "`m.cast('i').tolist()`, bytes", 10.0),
            (
                "tolist",
                "bufproto-bytearray",
                "`m.cast('i').tolist()`, bytearray",
                10.0,
            ),
            (
                "eq",
                "bufproto-bytearray",
                "`==` of two bytearray views",
                10.0,
            ),
        ];
        for (op, imp, name, want) in faster {
            let n = self.size_of(op);
            let r = self.pair((op, "cpython", n), (op, imp, n));
            let size = if op == "tolist" {
                format!("{n} items")
            } else {
                fmt_size(n)
            };
            g.push(Goal {
                operation: format!("{name} ({size})"),
                measured: match r {
                    Some((p, c)) => format!(
                        "{} vs CPython {} ({:.1}× faster)",
                        fmt_ns(c),
                        fmt_ns(p),
                        p / c
                    ),
                    None => "—".into(),
                },
                goal: format!("≥ {want:.0}× faster than CPython"),
                holds: r.is_some_and(|(p, c)| p / c >= want),
            });
        }
        for (op, expr, peer_name) in [
            ("new", "`memoryview(b)`", "`Bytes::clone`"),
            ("slice", "`m[1:-1]`", "`Bytes::slice`"),
        ] {
            for &n in sizes {
                g.push(self.within(Within {
                    op,
                    imp: "bufproto",
                    peer: (op, "bytes"),
                    size: n,
                    name: format!("{expr} ({})", fmt_size(n)),
                    peer_name,
                    want: 2.0,
                }));
            }
        }
        g.push(self.within(Within {
            op: "grow",
            imp: "bufproto",
            peer: ("grow", "cpython"),
            size: mib,
            name: format!("bytearray `+=` 1 KiB to {}", fmt_size(mib)),
            peer_name: "CPython's time",
            want: 1.5,
        }));
        for (n, want) in [(mib, 2.0), (hi, 1.2)] {
            g.push(self.within(Within {
                op: "tobytes",
                imp: "bufproto-bytearray",
                peer: ("tobytes", "to_vec"),
                size: n,
                name: format!("`tobytes` of bytearray memory ({})", fmt_size(n)),
                peer_name: "`to_vec`",
                want,
            }));
        }
        let n = self.config.get_size;
        for (op, imp, peer, name, peer_name) in [
            (
                "typed_get",
                "bufproto",
                "slice",
                "`typed::<u8>()?.get(i)`, bytes",
                "`v.get(i)`",
            ),
            (
                "typed_get",
                "bufproto-bytearray",
                "slice",
                "`typed::<u8>()?.get(i)`, bytearray",
                "`v.get(i)`",
            ),
            (
                "typed_get",
                "bufproto-i",
                "slice-i",
                "`typed::<i32>()?.get(j)`, bytes",
                "`v.get(j)` on `&[i32]`",
            ),
            (
                "typed_iter",
                "bufproto",
                "slice",
                "sum by `for_each_chunk`, `u8`, bytes",
                "the same sum over `&[u8]`",
            ),
            (
                "typed_iter",
                "bufproto-bytearray",
                "slice",
                "sum by `for_each_chunk`, `u8`, bytearray",
                "the same sum over `&[u8]`",
            ),
        ] {
            g.push(self.within(Within {
                op,
                imp,
                peer: (op, peer),
                size: n,
                name: format!("{name} ({})", fmt_size(n)),
                peer_name,
                want: 2.0,
            }));
        }
        // flat: the largest size costs about what the smallest does
        for (op, name) in [("new", "memoryview(b)"), ("slice", "m[1:-1]")] {
            let (a, z) = (self.ns(op, "bufproto", lo), self.ns(op, "bufproto", hi));
            g.push(Goal {
                operation: format!("`{name}`, {} → {}", fmt_size(lo), fmt_size(hi)),
                measured: format!("{} → {}", cell(a), cell(z)),
                goal: "flat (≤ 1.5× + 5 ns)".into(),
                holds: matches!((a, z), (Some(a), Some(z)) if z <= 1.5 * a + 5.0),
            });
        }
        g
    }

    /// The Markdown tables that the chapter includes.
    pub fn tables_md(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "<!-- generated by `cargo run --release -p bufproto-bench --bin report`; do not edit -->\n"
        );
        let _ = writeln!(
            s,
            "<!-- ANCHOR: machine -->\n*Measured on {} on {}; {}, {}. Medians of many runs; the machine is shared with other work, so expect ±20%.*\n<!-- ANCHOR_END: machine -->\n",
            self.date, self.machine, self.rust, self.python
        );
        s.push_str("<!-- ANCHOR: ops -->\n");
        s.push_str("| Python | size | bufproto | CPython | Rust peer | peer | crate ÷ CPython | crate ÷ peer |\n");
        s.push_str("| --- | --: | --: | --: | --- | --: | --: | --: |\n");
        for &(op, py, peer, peer_name) in OPS {
            let n = self.size_of(op);
            let c = self.ns(op, "bufproto", n);
            let p = self.ns(op, "cpython", n);
            let r = if peer.is_empty() {
                None
            } else {
                self.ns(op, peer, n)
            };
            let size = if op == "tolist" {
                format!("{} items", n)
            } else {
                fmt_size(n)
            };
            let _ = writeln!(
                s,
                "| `{py}` | {size} | {} | {} | {} | {} | {} | {} |",
                cell(c),
                cell(p),
                if peer_name.is_empty() {
                    "—"
                } else {
                    peer_name
                },
                cell(r),
                ratio(c, p),
                ratio(c, r),
            );
        }
        s.push_str("<!-- ANCHOR_END: ops -->\n\n<!-- ANCHOR: sizes -->\n");
        s.push_str("| operation: bufproto (CPython) |");
        for &n in &self.config.sizes {
            let _ = write!(s, " {} |", fmt_size(n));
        }
        s.push_str("\n| --- |");
        for _ in &self.config.sizes {
            s.push_str(" --: |");
        }
        s.push('\n');
        for &(op, py, _, _) in OPS {
            if matches!(op, "get" | "set" | "get_i" | "set_i" | "tolist") {
                continue;
            }
            let _ = write!(s, "| `{py}` |");
            for &n in &self.config.sizes {
                let _ = write!(
                    s,
                    " {} ({}) |",
                    cell(self.ns(op, "bufproto", n)),
                    cell(self.ns(op, "cpython", n))
                );
            }
            s.push('\n');
        }
        s.push_str("<!-- ANCHOR_END: sizes -->\n\n<!-- ANCHOR: copies -->\n");
        self.size_table(
            &mut s,
            "tobytes",
            &[
                ("over `bytes`", "bufproto"),
                ("over `bytearray`", "bufproto-bytearray"),
                ("CPython", "cpython"),
                ("`to_vec`", "to_vec"),
                ("`copy_from_slice`", "copy_from_slice"),
            ],
            &[
                ("`bytes` ÷ `to_vec`", "bufproto", "to_vec"),
                ("`bytearray` ÷ `to_vec`", "bufproto-bytearray", "to_vec"),
            ],
        );
        s.push_str("<!-- ANCHOR_END: copies -->\n\n<!-- ANCHOR: strided -->\n");
        self.size_table(
            &mut s,
            "tobytes_step2",
            &[
                ("over `bytes`", "bufproto"),
                ("over `bytearray`", "bufproto-bytearray"),
                ("CPython", "cpython"),
                ("`chunks_exact(2)`", "chunks_exact"),
                ("`step_by(2)`", "step_by"),
            ],
            &[("crate ÷ `chunks_exact`", "bufproto", "chunks_exact")],
        );
        s.push_str("<!-- ANCHOR_END: strided -->\n\n<!-- ANCHOR: items -->\n");
        s.push_str("| | bufproto over `bytes` | bufproto over `bytearray` | CPython | `&[u8]` | `&[u8]` as `Result<Value>` | `Arc<RwLock<Vec<u8>>>` | `Rc<RefCell<Vec<u8>>>` |\n");
        s.push_str("| --- | --: | --: | --: | --: | --: | --: | --: |\n");
        for (op, py) in [("get", "m[i]"), ("set", "m[i] = 7")] {
            let n = self.config.get_size;
            let f = |imp| self.ns(op, imp, n);
            let (own, ba) = if op == "get" {
                (f("bufproto"), f("bufproto-bytearray"))
            } else {
                (None, f("bufproto"))
            };
            let _ = writeln!(
                s,
                "| `{py}` | {} | {} | {} | {} | {} | {} | {} |",
                cell(own),
                cell(ba),
                cell(f("cpython")),
                cell(f("slice")),
                cell(f("slice-value")),
                cell(f("rwlock")),
                cell(f("refcell")),
            );
        }
        s.push_str("<!-- ANCHOR_END: items -->\n\n<!-- ANCHOR: atomics -->\n");
        s.push_str("| | atomic bytes (`[AtomicU8]`) | atomic words (`[AtomicU64]`) | words ÷ bytes |\n| --- | --: | --: | --: |\n");
        let n = self.config.get_size;
        for (op, name, bytes, words) in [
            ("atomic_store", "store one byte", "u8", "u64-cas"),
            ("atomic_eq", "compare two copies", "u8", "u64"),
        ] {
            let (b, w) = (self.ns(op, bytes, n), self.ns(op, words, n));
            let ratio = match (b, w) {
                (Some(b), Some(w)) => format!("{:.2}×", w / b),
                _ => "—".into(),
            };
            let _ = writeln!(
                s,
                "| {name} ({}) | {} | {} | {ratio} |",
                fmt_size(n),
                cell(b),
                cell(w)
            );
        }
        s.push_str("<!-- ANCHOR_END: atomics -->\n\n<!-- ANCHOR: targets -->\n| operation | measured | goal | holds |\n| --- | --- | --- | --- |\n");
        for t in self.goals() {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} |",
                t.operation,
                t.measured,
                t.goal,
                if t.holds { "yes" } else { "**no**" }
            );
        }
        s.push_str("<!-- ANCHOR_END: targets -->\n\n");
        s.push_str(&bridge::table(self));
        s
    }

    /// A table of `op` by buffer size: one column of times per
    /// `(heading, implementation)`, then one per `(heading, numerator,
    /// denominator)` ratio.
    fn size_table(
        &self,
        s: &mut String,
        op: &str,
        times: &[(&str, &str)],
        ratios: &[(&str, &str, &str)],
    ) {
        let headings = times.iter().map(|t| t.0).chain(ratios.iter().map(|r| r.0));
        let _ = writeln!(s, "| size | {} |", headings.collect::<Vec<_>>().join(" | "));
        let _ = writeln!(s, "| --: |{}", " --: |".repeat(times.len() + ratios.len()));
        for &n in &self.config.sizes {
            let f = |imp| self.ns(op, imp, n);
            let _ = write!(s, "| {} |", fmt_size(n));
            for &(_, imp) in times {
                let _ = write!(s, " {} |", cell(f(imp)));
            }
            for &(_, num, den) in ratios {
                let _ = write!(s, " {} |", ratio(f(num), f(den)));
            }
            s.push('\n');
        }
    }

    /// Writes `results.json`, `tables.md.txt` and the three SVG plots into `dir`.
    ///
    /// # Errors
    ///
    /// Any I/O error.
    pub fn write_to(&self, dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        let json = self.to_json();
        // Tables and plots are drawn from the numbers `results.json` keeps
        // (rounded to 0.01 ns), so `--render` redraws exactly these files.
        let kept = Report::from_json(&json).map_err(std::io::Error::other)?;
        std::fs::write(dir.join("results.json"), json)?;
        std::fs::write(dir.join("tables.md.txt"), kept.tables_md())?;
        std::fs::write(dir.join("slice.svg"), slice_svg(&kept))?;
        std::fs::write(dir.join("tobytes.svg"), tobytes_svg(&kept))?;
        std::fs::write(dir.join("ops.svg"), ops_svg(&kept))?;
        Ok(())
    }

    /// The CPython samples keyed like the Rust ones, to check both sides ran.
    pub fn ops_by_imp(&self) -> BTreeMap<String, Vec<String>> {
        let mut m: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for s in &self.samples {
            let e = m.entry(s.imp.clone()).or_default();
            if !e.contains(&s.op) {
                e.push(s.op.clone());
            }
        }
        m
    }
}

/// Runs everything: the Rust benchmarks with `runner`, then CPython.
///
/// # Errors
///
/// A message if a benchmark's input cannot be built or Python fails.
pub fn run_all<R: Runner>(
    runner: &mut R,
    cfg: &Config,
    quick: bool,
) -> Result<(String, Vec<Sample>), String> {
    register(runner, cfg).map_err(|e| e.to_string())?;
    run_cpython(cfg, quick)
}
