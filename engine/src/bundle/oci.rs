//! OCI image layout pieces: digests, gzip layers, manifests, the index and the layout's
//! files.
//!
//! Canonical encodings: JSON documents are compact, with keys in the fixed order this
//! file writes them (serde_json keeps insertion order here); gzip streams come from
//! `flate2` at level 9 with a header carrying no name, no comment, mtime 0 and OS 255
//! ("unknown"), so the same tar always gives the same bytes on any machine.

use std::collections::BTreeMap;
use std::io::Write as _;

use flate2::{Compression, GzBuilder};
use serde_json::{Map, Value, json};

use crate::fs::record::sha256_hex;

use super::tar;

/// Media type of an OCI image manifest.
pub const MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
/// Media type of an OCI image index.
pub const INDEX: &str = "application/vnd.oci.image.index.v1+json";
/// Media type of a gzip-compressed tar layer.
pub const LAYER_GZIP: &str = "application/vnd.oci.image.layer.v1.tar+gzip";
/// Media type of an OCI image configuration.
pub const IMAGE_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
/// Media type of Strata's lock document, the config blob of a Strata bundle.
pub const LOCK: &str = "application/vnd.strata.bundle.lock.v1+json";
/// The annotation naming a manifest in an index.
pub const REF_NAME: &str = "org.opencontainers.image.ref.name";
/// The annotation carrying a layer's file name.
pub const TITLE: &str = "org.opencontainers.image.title";

/// A content-addressed blob with its descriptor fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Blob {
    /// Its media type.
    pub media_type: String,
    /// `sha256:` plus the hex digest of `bytes`.
    pub digest: String,
    /// The content.
    pub bytes: Vec<u8>,
    /// Descriptor annotations, in order.
    pub annotations: Vec<(String, String)>,
    /// For a layer, the digest of the uncompressed tar (the image config's diff id).
    pub diff_id: Option<String>,
}

impl Blob {
    /// Wraps bytes as a blob.
    pub fn new(media_type: &str, bytes: Vec<u8>, annotations: Vec<(String, String)>) -> Blob {
        Blob {
            media_type: media_type.into(),
            digest: digest(&bytes),
            bytes,
            annotations,
            diff_id: None,
        }
    }

    /// Returns the descriptor that points at this blob.
    pub fn descriptor(&self) -> Value {
        let mut m = Map::new();
        m.insert("mediaType".into(), json!(self.media_type));
        m.insert("digest".into(), json!(self.digest));
        m.insert("size".into(), json!(self.bytes.len()));
        if !self.annotations.is_empty() {
            let mut a = Map::new();
            for (k, v) in &self.annotations {
                a.insert(k.clone(), json!(v));
            }
            m.insert("annotations".into(), Value::Object(a));
        }
        Value::Object(m)
    }
}

/// Returns `sha256:HEX` of `bytes`.
pub fn digest(bytes: &[u8]) -> String {
    format!("sha256:{}", sha256_hex(bytes))
}

/// Gzips `bytes` with the fixed settings described in the module header.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = GzBuilder::new()
        .mtime(0)
        .operating_system(255)
        .write(Vec::new(), Compression::new(9));
    // Writing into a Vec cannot fail.
    let _ = enc.write_all(bytes);
    enc.finish().unwrap_or_default()
}

/// Makes a layer: a canonical tar holding one file, gzip-compressed.
pub fn layer(
    file_name: &str,
    contents: &[u8],
    mtime: u64,
    annotations: Vec<(String, String)>,
) -> Blob {
    let t = tar::write(
        &[tar::Entry {
            path: file_name.into(),
            data: contents.to_vec(),
            dir: false,
        }],
        mtime,
    );
    let mut b = Blob::new(LAYER_GZIP, gzip(&t), annotations);
    b.diff_id = Some(digest(&t));
    b
}

/// An image: a manifest with its config and layers.
#[derive(Clone, Debug)]
pub struct Image {
    /// The manifest blob; its digest is the image's identity.
    pub manifest: Blob,
    /// The config blob.
    pub config: Blob,
    /// The layers, in order.
    pub layers: Vec<Blob>,
}

impl Image {
    /// Builds the manifest over a config and layers.
    pub fn new(config: Blob, layers: Vec<Blob>) -> Image {
        let mut m = Map::new();
        m.insert("schemaVersion".into(), json!(2));
        m.insert("mediaType".into(), json!(MANIFEST));
        m.insert("config".into(), config.descriptor());
        m.insert(
            "layers".into(),
            Value::Array(layers.iter().map(Blob::descriptor).collect()),
        );
        let bytes = serde_json::to_vec(&Value::Object(m)).unwrap_or_default();
        Image {
            manifest: Blob::new(MANIFEST, bytes, Vec::new()),
            config,
            layers,
        }
    }

    /// Returns the manifest digest.
    pub fn digest(&self) -> &str {
        &self.manifest.digest
    }

    /// Returns the files of an OCI image layout holding this image alone, tagged
    /// `ref_name`: `oci-layout`, `index.json` and `blobs/sha256/*`.
    pub fn layout_files(&self, ref_name: &str) -> BTreeMap<String, Vec<u8>> {
        let mut files = BTreeMap::new();
        files.insert(
            "oci-layout".to_string(),
            br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec(),
        );
        let mut desc = self.manifest.clone();
        desc.annotations = vec![(REF_NAME.to_string(), ref_name.to_string())];
        let index = json!({
            "schemaVersion": 2,
            "mediaType": INDEX,
            "manifests": [desc.descriptor()],
        });
        files.insert(
            "index.json".to_string(),
            serde_json::to_vec(&index).unwrap_or_default(),
        );
        for b in std::iter::once(&self.manifest)
            .chain(std::iter::once(&self.config))
            .chain(&self.layers)
        {
            let hex = b.digest.trim_start_matches("sha256:");
            files.insert(format!("blobs/sha256/{hex}"), b.bytes.clone());
        }
        files
    }
}

/// Returns the tar entries of a layout (its files and the `blobs`, `blobs/sha256` dirs).
pub fn layout_entries(files: &BTreeMap<String, Vec<u8>>) -> Vec<tar::Entry> {
    let mut v = vec![
        tar::Entry {
            path: "blobs".into(),
            data: Vec::new(),
            dir: true,
        },
        tar::Entry {
            path: "blobs/sha256".into(),
            data: Vec::new(),
            dir: true,
        },
    ];
    v.extend(files.iter().map(|(p, d)| tar::Entry {
        path: p.clone(),
        data: d.clone(),
        dir: false,
    }));
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::read::GzDecoder;
    use std::io::Read as _;

    #[test]
    fn gzip_header_has_no_time_name_or_os() {
        let g = gzip(b"hello");
        assert_eq!(&g[..4], &[0x1f, 0x8b, 8, 0]);
        assert_eq!(&g[4..8], &[0, 0, 0, 0]);
        assert_eq!(g[9], 255);
        let mut out = String::new();
        assert!(GzDecoder::new(&g[..]).read_to_string(&mut out).is_ok());
        assert_eq!(out, "hello");
        assert_eq!(gzip(b"hello"), g);
    }

    #[test]
    fn manifest_and_layout_point_at_every_blob() {
        let l = layer("a.yaml", b"kind: A\n", 0, vec![("k".into(), "v".into())]);
        let img = Image::new(Blob::new(LOCK, b"{}".to_vec(), Vec::new()), vec![l.clone()]);
        let m: Value = serde_json::from_slice(&img.manifest.bytes).unwrap_or_default();
        assert_eq!(m["layers"][0]["digest"], json!(l.digest));
        assert_eq!(m["layers"][0]["annotations"]["k"], json!("v"));
        assert_eq!(m["config"]["mediaType"], json!(LOCK));
        let files = img.layout_files("latest");
        assert_eq!(files.len(), 5);
        for (p, b) in &files {
            if let Some(hex) = p.strip_prefix("blobs/sha256/") {
                assert_eq!(sha256_hex(b), hex);
            }
        }
    }
}
