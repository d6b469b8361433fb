//! Links the tests (and the module, when built by `cargo`) with an rpath to
//! the libpython of the `python3` that PyO3 found, so that embedded CPython
//! is the same one the Python test script runs, not another libpython3.11.so
//! on the system.
fn main() {
    pyo3_build_config::add_libpython_rpath_link_args();
}
