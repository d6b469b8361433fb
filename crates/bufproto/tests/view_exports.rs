//! Exports held by views of views, against CPython (`_testbuffer`'s
//! `ND_REDIRECT`, checked in 3.11 and 3.14.2): a view of a buffer another
//! exporter hands on holds that export, chains hold every export while
//! the last view lives, and views cut from such a view count it once.
//! Written by the review of issue 15's change.

use bufproto::{ByteArray, Exporter, Flags, MemoryView};

/// An exporter that hands out another object's buffer as it is (the
/// crate's `_testbuffer.ndarray(m, flags=ND_REDIRECT)`).
struct Redirect<'a>(&'a MemoryView);

impl Exporter for Redirect<'_> {
    fn get_buffer(&self, flags: Flags) -> bufproto::Result<bufproto::Buffer> {
        self.0.get_buffer(flags)
    }
    fn obj_ref(&self) -> bufproto::ObjRef {
        self.0.obj_ref()
    }
}

/// A view of a redirected view's buffer is a view of a buffer `m`
/// exported: CPython's `memoryview(nd)` of `nd = ndarray(m,
/// flags=ND_REDIRECT)` reports `m` as its `obj` (the buffer's `view->obj`)
/// and holds that export of `m`, so `m.release()` raises until it is gone
/// (checked in CPython 3.11 and 3.14.2: `x.obj is m`, and `BufferError:
/// memoryview has 2 exported buffers`, `nd` holding the other). Only
/// `memoryview(m)` itself shares `m`'s managed buffer.
#[test]
fn a_view_of_a_redirected_views_buffer_holds_an_export_of_it() {
    let ba = ByteArray::from(&b"abc"[..]);
    let mut m = MemoryView::new(&ba).unwrap();
    let x = MemoryView::new(&Redirect(&m)).unwrap();
    assert!(x.obj().unwrap().is(&m), "x.obj is {:?}", x.obj().unwrap());
    let e = m.release().unwrap_err();
    assert_eq!(
        e.to_string(),
        "BufferError: memoryview has 1 exported buffer"
    );
    assert_eq!(x.tobytes().unwrap().as_slice(), b"abc");
    drop(x);
    m.release().unwrap();
}

/// A chain of redirected views: `x` holds an export of `mw`, and `mw` one
/// of `v`. CPython's `x` keeps `mw` alive (its buffer's `obj`), so `mw`'s
/// export of `v` lasts as long as `x`, however `mw` itself is let go:
/// `v.release()` raises until `x` is gone (checked in CPython 3.11 with
/// `_testbuffer.ndarray(..., flags=ND_REDIRECT)` at both steps). A Rust
/// view can be dropped while a view of its buffer lives; the export it
/// held must still hold.
#[test]
fn a_chain_of_redirected_views_holds_every_export_while_the_last_lives() {
    let ba = ByteArray::from(&b"abc"[..]);
    let mut v = MemoryView::new(&ba).unwrap();
    let mw = MemoryView::new(&Redirect(&v)).unwrap();
    let x = MemoryView::new(&Redirect(&mw)).unwrap();
    assert!(x.obj().unwrap().is(&mw));
    drop(mw);
    let e = v.release().unwrap_err();
    assert_eq!(
        e.to_string(),
        "BufferError: memoryview has 1 exported buffer"
    );
    assert_eq!(x.tobytes().unwrap().as_slice(), b"abc");
    drop(x);
    v.release().unwrap();
}

/// The views cut from a view of a redirected view's buffer share that one
/// export, as they share CPython's managed buffer: with `mw`, two slices,
/// `memoryview(mw)` and a view of `mw`'s own buffer alive, `v` has one
/// exported buffer (CPython 3.11 with `_testbuffer`'s `ND_REDIRECT` says
/// `memoryview has 1 exported buffer`).
#[test]
fn views_cut_from_a_redirected_view_count_as_one_export() {
    let ba = ByteArray::from(&b"abcd"[..]);
    let mut v = MemoryView::new(&ba).unwrap();
    let mw = MemoryView::new(&Redirect(&v)).unwrap();
    let s = mw.slice(Some(1), None, None).unwrap();
    let t = mw.slice(None, None, Some(2)).unwrap();
    let u = MemoryView::new(&mw).unwrap();
    let b = MemoryView::new(&Redirect(&mw)).unwrap();
    let e = v.release().unwrap_err();
    assert_eq!(
        e.to_string(),
        "BufferError: memoryview has 1 exported buffer"
    );
    drop((mw, s, t, u, b));
    v.release().unwrap();
}

/// As [`views_cut_from_a_redirected_view_count_as_one_export`], for an
/// exporter that relabels the view's buffer as its own
/// ([`bufproto::Buffer::with_obj`], a C exporter setting `view->obj =
/// self`): `m.obj` is that exporter, and the export counts once.
#[test]
fn views_cut_from_a_relabelled_view_count_as_one_export() {
    struct Relabel<'a>(&'a MemoryView, bufproto::ObjRef);
    impl Exporter for Relabel<'_> {
        fn get_buffer(&self, flags: Flags) -> bufproto::Result<bufproto::Buffer> {
            Ok(self.0.get_buffer(flags)?.with_obj(self.1))
        }
        fn obj_ref(&self) -> bufproto::ObjRef {
            self.1
        }
    }
    let ba = ByteArray::from(&b"abcd"[..]);
    let mut v = MemoryView::new(&ba).unwrap();
    let me = bufproto::ObjRef::new("relabel");
    let mw = MemoryView::new(&Relabel(&v, me)).unwrap();
    assert_eq!(mw.obj().unwrap(), me);
    let s = mw.slice(Some(1), None, None).unwrap();
    let u = MemoryView::new(&mw).unwrap();
    let c = mw.cast("c").unwrap();
    let e = v.release().unwrap_err();
    assert_eq!(
        e.to_string(),
        "BufferError: memoryview has 1 exported buffer"
    );
    drop((mw, s, u));
    assert!(v.release().is_err(), "the cast still holds the export");
    drop(c);
    v.release().unwrap();
}
