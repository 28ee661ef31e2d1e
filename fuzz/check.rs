//! The property the archive-loader fuzz target checks, shared with the plain test
//! (shared/tests/archive_hostile.rs) so CI runs it without nightly.

/// Any bytes: loading never panics; whatever loads as a chart saves, and the saved archive loads back
/// to the same chart name, version, templates and files.
pub fn archive_loader(data: &[u8]) {
    use kubehelm::chart::{self, save};
    let _ = chart::load_archive(data);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = kubehelm::stream::decode_stream(text);
    }
    let Ok(c) = kubehelm::stream::load_chart(data) else { return };
    let Ok(bytes) = save::save_archive(&c, &save::SaveOptions::default()) else { return };
    let back = match chart::load_archive(&bytes) {
        Ok(b) => b,
        Err(e) => panic!("a chart we saved does not load again: {e}"),
    };
    assert_eq!(back.metadata.name, c.metadata.name);
    assert_eq!(back.metadata.version, c.metadata.version);
    assert_eq!(back.templates, c.templates);
    assert_eq!(back.files, c.files);
    assert_eq!(save::save_archive(&back, &save::SaveOptions::default()).ok(), Some(bytes), "saving is not stable");
}
