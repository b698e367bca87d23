//! Typed `Kustomization` (kustomize.config.k8s.io/v1beta1) and `Component` (v1alpha1).
//!
//! Every field kustomize 5 accepts is here, deprecated ones included, so that an unknown
//! field is refused exactly as kustomize refuses it. Legacy spellings are folded into
//! their modern fields by [`Kustomization::fix_legacy`], as kustomize's `FixKustomization`
//! does.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use crate::yaml::{Map, Node, Style, Tag};

/// The names a kustomization file may have, in kustomize's order of preference.
pub const FILE_NAMES: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// A string-to-string map kept in file order.
pub type StrMap = indexmap::IndexMap<String, String>;

/// A kustomization or component file.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Kustomization {
    /// The `# Warning:` lines kustomize prints for this file's deprecated fields, noted
    /// by [`Kustomization::parse`] as the loader reads the file, for the build to report
    /// in walk order. Not a field of the file.
    #[serde(skip)]
    pub deprecations: Vec<String>,
    /// `kustomize.config.k8s.io/v1beta1` or `v1alpha1` (components).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub api_version: String,
    /// `Kustomization` or `Component`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// Ignored metadata, as in kustomize.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<serde_yaml_ng::Value>,
    /// Custom OpenAPI schema for strategic merge of custom kinds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub openapi: Option<BTreeMap<String, String>>,
    /// Prefix added to every name.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name_prefix: String,
    /// Suffix added to every name.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name_suffix: String,
    /// Namespace set on every namespaced resource.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    /// Labels added to metadata and selectors (deprecated in favour of `labels`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub common_labels: Option<StrMap>,
    /// Labels with control over selectors and templates.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<Label>,
    /// Annotations added to every resource.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub common_annotations: Option<StrMap>,
    /// Strategic merge patches (deprecated in favour of `patches`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub patches_strategic_merge: Vec<String>,
    /// JSON 6902 patches with targets (deprecated in favour of `patches`).
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        rename = "patchesJson6902"
    )]
    pub patches_json6902: Vec<Patch>,
    /// Patches of either kind, with optional targets.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub patches: Vec<Patch>,
    /// Image name, tag and digest overrides.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<Image>,
    /// The legacy spelling of `images`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub image_tags: Vec<Image>,
    /// Field-to-field copies.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub replacements: Vec<ReplacementField>,
    /// Replica count overrides.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub replicas: Vec<Replica>,
    /// Legacy `$(VAR)` variables.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vars: Vec<Var>,
    /// Output order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort_options: Option<SortOptions>,
    /// Files and kustomization directories to include.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<String>,
    /// Components to apply.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub components: Vec<String>,
    /// CRD files whose schemas add field specs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub crds: Vec<String>,
    /// The legacy spelling of directory `resources`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bases: Vec<String>,
    /// ConfigMaps to generate.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub config_map_generator: Vec<GeneratorArgs>,
    /// Secrets to generate.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secret_generator: Vec<GeneratorArgs>,
    /// Helm settings shared by all charts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub helm_globals: Option<serde_yaml_ng::Value>,
    /// Helm charts to inflate.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub helm_charts: Vec<serde_yaml_ng::Value>,
    /// The legacy helm generator.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub helm_chart_inflation_generator: Vec<serde_yaml_ng::Value>,
    /// Options for every generator of this kustomization.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generator_options: Option<GeneratorOptions>,
    /// Transformer configuration files (extra field specs).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub configurations: Vec<String>,
    /// Generator plugin configs (files, directories or inline YAML).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub generators: Vec<String>,
    /// Transformer plugin configs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transformers: Vec<String>,
    /// Validator plugin configs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub validators: Vec<String>,
    /// `originAnnotations`, `transformerAnnotations`, `managedByLabel`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub build_metadata: Vec<String>,
    /// Deprecated inventory object (accepted, refused when set).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inventory: Option<serde_yaml_ng::Value>,
}

/// A `labels` entry.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Label {
    /// The labels.
    #[serde(default)]
    pub pairs: StrMap,
    /// Also write selectors.
    #[serde(default)]
    pub include_selectors: bool,
    /// Also write pod templates.
    #[serde(default)]
    pub include_templates: bool,
    /// Also write StatefulSet volume claim templates.
    #[serde(default)]
    pub include_volume_claim_templates: bool,
    /// Extra field specs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldSpecArg>,
}

/// A field spec as written in YAML: in a kustomization (unknown keys refused, as by
/// kustomize's strict decoder) and, through [`LenientSpecs`], in `configurations:` files
/// and plugin configs. `fieldspec::FieldSpec::from` makes it the spec transformers use.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct FieldSpecArg {
    /// Group selector.
    #[serde(default)]
    pub group: String,
    /// Version selector.
    #[serde(default)]
    pub version: String,
    /// Kind selector.
    #[serde(default)]
    pub kind: String,
    /// Slash-separated path.
    #[serde(default)]
    pub path: String,
    /// Create the field when missing.
    #[serde(default)]
    pub create: bool,
}

impl FieldSpecArg {
    /// The keys of a field spec.
    pub const FIELDS: [&'static str; 5] = ["group", "version", "kind", "path", "create"];
}

/// A list of field specs read as kustomize reads `configurations:` files and plugin
/// configs (sigs.k8s.io/yaml, not strict): keys a field spec does not have are ignored.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LenientSpecs(pub Vec<FieldSpecArg>);

impl<'de> Deserialize<'de> for LenientSpecs {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let items: Vec<serde_yaml_ng::Value> = Vec::deserialize(d)?;
        items
            .into_iter()
            .map(|mut item| {
                if let serde_yaml_ng::Value::Mapping(m) = &mut item {
                    m.retain(|k, _| {
                        k.as_str()
                            .is_some_and(|k| FieldSpecArg::FIELDS.contains(&k))
                    });
                }
                FieldSpecArg::deserialize(item).map_err(serde::de::Error::custom)
            })
            .collect::<Result<_, _>>()
            .map(LenientSpecs)
    }
}

/// A patch entry (`patches`, `patchesJson6902`).
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Patch {
    /// File holding the patch.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub path: String,
    /// The patch inline.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub patch: String,
    /// Which resources to patch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<Selector>,
    /// `allowNameChange`, `allowKindChange`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<BTreeMap<String, bool>>,
}

/// A resource selector.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Selector {
    /// Group (regular expression).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub group: String,
    /// Version (regular expression).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub version: String,
    /// Kind (regular expression).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// Name (regular expression).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// Namespace (regular expression).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    /// Label selector.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub label_selector: String,
    /// Annotation selector.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub annotation_selector: String,
}

/// An `images` entry.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Image {
    /// The image name to match.
    #[serde(default)]
    pub name: String,
    /// Replacement name.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub new_name: String,
    /// Replacement tag.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub new_tag: String,
    /// Replacement digest.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub digest: String,
    /// Suffix appended to the tag.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub tag_suffix: String,
}

/// A `replacements` entry: inline, or a `path` to a file of them.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ReplacementField {
    /// File holding replacements.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub path: String,
    /// Where the value comes from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<serde_yaml_ng::Value>,
    /// Where it goes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub targets: Option<serde_yaml_ng::Value>,
}

/// A `replicas` entry.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Replica {
    /// Resource name.
    pub name: String,
    /// New count.
    pub count: i64,
}

/// A legacy variable.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Var {
    /// `$(NAME)`.
    pub name: String,
    /// The object the value comes from.
    pub objref: VarTarget,
    /// The field; `metadata.name` by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fieldref: Option<FieldRef>,
}

/// A variable's object reference.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct VarTarget {
    /// `group/version`.
    #[serde(default)]
    pub api_version: String,
    /// Group (alternative to apiVersion).
    #[serde(default)]
    pub group: String,
    /// Version (alternative to apiVersion).
    #[serde(default)]
    pub version: String,
    /// Kind.
    #[serde(default)]
    pub kind: String,
    /// Name.
    #[serde(default)]
    pub name: String,
    /// Namespace.
    #[serde(default)]
    pub namespace: String,
}

/// A variable's field reference.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct FieldRef {
    /// Dotted path (kustomize reads keys case-insensitively; `fieldpath` is common).
    #[serde(default, alias = "fieldpath")]
    pub field_path: String,
}

/// `sortOptions`.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SortOptions {
    /// `legacy` or `fifo`.
    #[serde(default)]
    pub order: String,
    /// Kind order for `legacy`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legacy_sort_options: Option<LegacySortOptions>,
}

/// Kinds to put first and last under legacy order.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LegacySortOptions {
    /// Kinds printed first, in this order.
    #[serde(default)]
    pub order_first: Vec<String>,
    /// Kinds printed last, in this order.
    #[serde(default)]
    pub order_last: Vec<String>,
}

/// ConfigMap / Secret generator arguments.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GeneratorArgs {
    /// Namespace of the generated object.
    #[serde(default)]
    pub namespace: String,
    /// Name of the generated object.
    #[serde(default)]
    pub name: String,
    /// `create`, `merge` or `replace`.
    #[serde(default)]
    pub behavior: String,
    /// `KEY=VALUE` literals.
    #[serde(default)]
    pub literals: Vec<String>,
    /// Files, as `path` or `key=path`.
    #[serde(default)]
    pub files: Vec<String>,
    /// Env files.
    #[serde(default)]
    pub envs: Vec<String>,
    /// A single env file (deprecated spelling).
    #[serde(default)]
    pub env: String,
    /// Per-generator options.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<GeneratorOptions>,
    /// Secret type (secrets only).
    #[serde(default, rename = "type", skip_serializing_if = "String::is_empty")]
    pub kind: String,
}

/// `generatorOptions` and per-generator `options`.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GeneratorOptions {
    /// Labels for generated objects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<StrMap>,
    /// Annotations for generated objects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<StrMap>,
    /// Leave out the content hash suffix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disable_name_suffix_hash: Option<bool>,
    /// Mark generated objects immutable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub immutable: Option<bool>,
}

/// Keeps, for each top-level key written more than once, only its last block.
fn last_top_level_keys(text: &str) -> String {
    let mut blocks: Vec<(Option<String>, Vec<&str>)> = Vec::new();
    for line in text.lines() {
        let top =
            !line.starts_with([' ', '\t', '-', '#']) && !line.is_empty() && line.contains(':');
        if top {
            let key = line.split(':').next().unwrap_or("").trim().to_string();
            blocks.push((Some(key), vec![line]));
        } else if let Some(last) = blocks.last_mut() {
            last.1.push(line);
        } else {
            blocks.push((None, vec![line]));
        }
    }
    // Each key's last block, found in one pass (a search per block was quadratic).
    let last: HashMap<&str, usize> = blocks
        .iter()
        .enumerate()
        .filter_map(|(i, (key, _))| Some((key.as_deref()?, i)))
        .collect();
    let mut out = String::with_capacity(text.len());
    for (i, (key, lines)) in blocks.iter().enumerate() {
        let later = key.as_deref().is_some_and(|k| last.get(k) != Some(&i));
        if !later {
            for l in lines {
                out.push_str(l);
                out.push('\n');
            }
        }
    }
    out
}

/// The top-level field names, for matching keys regardless of case.
const FIELD_NAMES: &[&str] = &[
    "apiVersion",
    "kind",
    "metadata",
    "openapi",
    "namePrefix",
    "nameSuffix",
    "namespace",
    "commonLabels",
    "labels",
    "commonAnnotations",
    "patchesStrategicMerge",
    "patchesJson6902",
    "patches",
    "images",
    "imageTags",
    "replacements",
    "replicas",
    "vars",
    "sortOptions",
    "resources",
    "components",
    "crds",
    "bases",
    "configMapGenerator",
    "secretGenerator",
    "helmGlobals",
    "helmCharts",
    "helmChartInflationGenerator",
    "generatorOptions",
    "configurations",
    "generators",
    "transformers",
    "validators",
    "buildMetadata",
    "inventory",
];

/// The field of `known` that Go's `encoding/json` (which kustomize reads kustomizations
/// and plugin configs with) would fill from `key`: names match regardless of ASCII case.
/// The one definition of that rule (kustomization fields, patch and built-in configs).
pub fn go_field<'a>(known: &[&'a str], key: &str) -> Option<&'a str> {
    known.iter().copied().find(|f| f.eq_ignore_ascii_case(key))
}

/// Converts a plugin config node to a serde type (after dropping apiVersion, kind and
/// metadata).
pub fn config_fields<T: serde::de::DeserializeOwned>(
    node: &crate::yaml::Node,
) -> std::result::Result<T, String> {
    let mut c = node.clone();
    if let Some(m) = c.as_map_mut() {
        for k in ["apiVersion", "kind", "metadata"] {
            m.shift_remove(k);
        }
        // kustomize reads plugin configs with Go's encoding/json, which matches field
        // names regardless of case (`Path:` is `path:`).
        const KNOWN: [&str; 8] = [
            "path",
            "patch",
            "target",
            "options",
            "paths",
            "patches",
            "jsonOp",
            "replacements",
        ];
        let keys: Vec<String> = m.keys().cloned().collect();
        for k in keys {
            if let Some(canon) = go_field(&KNOWN, &k).filter(|c| *c != k)
                && !m.contains_key(canon)
                && let Some(v) = m.shift_remove(&k)
            {
                m.insert(canon.to_string(), v);
            }
        }
    }
    crate::yaml::json::from_node(&c)
}

const EDIT_FIX: &str = "Run 'kustomize edit fix' to update your Kustomization automatically.";

/// kustomize's deprecated fields, in the order it checks them, with what replaces each.
const DEPRECATED: [(&str, &str, &str); 6] = [
    ("bases", "resources", ""),
    ("commonLabels", "labels", ""),
    ("imageTags", "images", ""),
    ("patchesJson6902", "patches", ""),
    ("patchesStrategicMerge", "patches", ""),
    ("vars", "replacements", "[EXPERIMENTAL] "),
];

/// The `# Warning:` lines kustomize prints for a kustomization file's deprecated fields:
/// one per field that is set, even to an empty list or map (a null is unset, as for Go's
/// decoder, which also matches field names regardless of case). `top` is the file read
/// as a node.
fn deprecation_warnings(top: &Map) -> Vec<String> {
    DEPRECATED
        .iter()
        .filter(|(field, _, _)| {
            top.iter()
                .any(|(k, v)| k.eq_ignore_ascii_case(field) && !v.is_null())
        })
        .map(|(field, instead, tag)| {
            format!("# Warning: '{field}' is deprecated. Please use '{instead}' instead. {tag}{EDIT_FIX}")
        })
        .collect()
}

/// Re-reads a kustomization with top-level keys renamed to their canonical spelling
/// when they differ only in case; None when nothing changes.
fn case_folded_top_level(text: &str) -> Option<serde_yaml_ng::Value> {
    let v: serde_yaml_ng::Value = serde_yaml_ng::from_str(text).ok()?;
    let serde_yaml_ng::Value::Mapping(m) = v else {
        return None;
    };
    let mut out = serde_yaml_ng::Mapping::new();
    let mut changed = false;
    for (k, val) in m {
        let key = match k
            .as_str()
            .and_then(|s| go_field(FIELD_NAMES, s).filter(|f| *f != s))
        {
            Some(canon) => {
                changed = true;
                serde_yaml_ng::Value::String((*canon).to_string())
            }
            None => k,
        };
        out.insert(key, val);
    }
    changed.then_some(serde_yaml_ng::Value::Mapping(out))
}

/// Re-reads a kustomization with every mapping entry whose value is null left out, as
/// Go's decoder leaves such fields unset; None when the text is not a mapping.
fn without_nulls(text: &str) -> Option<serde_yaml_ng::Value> {
    use serde_yaml_ng::Value;
    fn strip(v: &mut Value) {
        match v {
            Value::Mapping(m) => {
                m.retain(|_, v| !v.is_null());
                m.values_mut().for_each(strip);
            }
            Value::Sequence(s) => s.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut v: Value = serde_yaml_ng::from_str(text).ok()?;
    if !v.is_mapping() {
        return None;
    }
    strip(&mut v);
    Some(v)
}

/// kustomize converts the file to JSON with YAML 1.1 rules before decoding it, so a plain
/// `yes`, `on`, `y` (booleans there) or an unquoted number where a string belongs is
/// refused (`namespace: y`, `newTag: 1.20`); the node reads YAML 1.2 and takes them as
/// strings. The typed fields are checked against that JSON (each plain scalar of the node
/// resolved as YAML 1.1 resolves its text, [`crate::yaml::yaml11::plain_json`]), one
/// top-level field at a time, to name the field.
fn check_yaml11_types(top: &Map) -> Result<(), String> {
    use serde_json::Value;
    fn json(n: &Node) -> Value {
        match n {
            // A null (`~`, or no value at all) is null in both readings.
            Node::Scalar(s) if s.tag == Tag::Null => Value::Null,
            Node::Scalar(s) if s.style != Style::Quoted => {
                crate::yaml::yaml11::plain_json(&s.value)
            }
            Node::Scalar(s) => Value::String(s.value.clone()),
            Node::Seq(items) => Value::Array(items.iter().map(json).collect()),
            // Null entries are left out, as Go's decoder leaves such fields unset.
            Node::Map(m) => Value::Object(
                m.iter()
                    .map(|(k, v)| (k.clone(), json(v)))
                    .filter(|(_, v)| !v.is_null())
                    .collect(),
            ),
        }
    }
    for (key, value) in top {
        // Other readings (field names in another case, untyped fields) are the main
        // reader's business; only a value of the wrong type is refused here.
        let Some(field) = FIELD_NAMES.iter().find(|f| f.eq_ignore_ascii_case(key)) else {
            continue;
        };
        let value = json(value);
        if value.is_null() {
            continue;
        }
        let one = Value::Object([(field.to_string(), value)].into_iter().collect());
        if let Err(e) = serde_json::from_value::<Kustomization>(one) {
            let e = e.to_string();
            if e.starts_with("invalid type") {
                return Err(format!(
                    "invalid Kustomization: field {field}: {e} (kustomize reads the file as YAML 1.1, where plain yes, no, on, off, y, n are booleans; quote the value)"
                ));
            }
        }
    }
    Ok(())
}

/// kustomize reads label and annotation maps into Go strings and refuses numbers and
/// booleans there (`commonLabels: {a: 1}`); serde_yaml_ng would quietly stringify them.
fn check_string_maps(top: &Map) -> Result<(), String> {
    let check = |field: &str, m: Option<&Node>| -> Result<(), String> {
        if let Some(Node::Map(m)) = m {
            for (k, v) in m {
                let kind = match v {
                    Node::Scalar(s) if matches!(s.tag, Tag::Int | Tag::Float) => "number",
                    Node::Scalar(s) if s.tag == Tag::Bool => "bool",
                    _ => continue,
                };
                return Err(format!(
                    "invalid Kustomization: json: cannot unmarshal {kind} into Go struct field Kustomization.{field} of type string (key {k})"
                ));
            }
        }
        Ok(())
    };
    check("commonLabels", top.get("commonLabels"))?;
    check("commonAnnotations", top.get("commonAnnotations"))?;
    if let Some(Node::Seq(ls)) = top.get("labels") {
        for l in ls {
            check("labels.pairs", l.get("pairs"))?;
        }
    }
    if let Some(o) = top.get("generatorOptions") {
        check("generatorOptions.labels", o.get("labels"))?;
        check("generatorOptions.annotations", o.get("annotations"))?;
    }
    Ok(())
}

/// The text read as one mapping node: a key repeated at any level keeps its last value,
/// as kustomize (sigs.k8s.io/yaml) reads it. None when it is no single mapping our
/// reader takes.
fn read_mapping(text: &str) -> Option<Map> {
    let docs = crate::yaml::parse_documents_last_key_wins(text).ok()?;
    match <[Node; 1]>::try_from(docs) {
        Ok([Node::Map(m)]) => Some(m),
        _ => None,
    }
}

/// The typed value of a mapping node, decoded as kustomize's decoder reads the file (Go's
/// `encoding/json` after YAML to JSON): field names match regardless of case, timestamps
/// stay the text they were written as. `Err` when the node holds anything serde_yaml_ng
/// might read otherwise (a null, a number or a boolean where a string belongs, ...).
fn typed(top: &Map) -> Result<Kustomization, String> {
    fn texts(n: &mut Node) {
        match n {
            Node::Scalar(s) if s.tag == Tag::Timestamp => s.tag = Tag::Str,
            Node::Scalar(_) => {}
            Node::Seq(items) => items.iter_mut().for_each(texts),
            Node::Map(m) => m.values_mut().for_each(texts),
        }
    }
    let mut folded = Map::new();
    for (k, v) in top {
        let key = go_field(FIELD_NAMES, k).unwrap_or(k);
        let mut v = v.clone();
        texts(&mut v);
        folded.insert(key.to_string(), v);
    }
    crate::yaml::json::from_node(&Node::Map(folded))
}

/// The typed value as serde_yaml_ng reads the text, with the readings kustomize's decoder
/// allows: the file's own error (naming the line) when there is none.
fn from_text(text: &str) -> Result<Kustomization, String> {
    match serde_yaml_ng::from_str(text) {
        Ok(k) => Ok(k),
        // kustomize reads repeated top-level keys with the last one winning.
        Err(e) if e.to_string().contains("duplicate field") => {
            serde_yaml_ng::from_str(&last_top_level_keys(text)).map_err(|e| e.to_string())
        }
        // kustomize reads the file with Go's encoding/json, whose field names match
        // regardless of case (`nameprefix:` is `namePrefix:`).
        Err(e) if e.to_string().contains("unknown field") => match case_folded_top_level(text) {
            Some(v) => serde_yaml_ng::from_value(v).map_err(|_| e.to_string()),
            None => Err(e.to_string()),
        },
        // Go's decoder leaves a field set to null unset (`bases: ~`); serde refuses a
        // null where it wants a list or a map.
        Err(e) if e.to_string().contains("invalid type: unit value") => match without_nulls(text) {
            Some(v) => serde_yaml_ng::from_value(v).map_err(|_| e.to_string()),
            None => Err(e.to_string()),
        },
        Err(e) => Err(e.to_string()),
    }
}

impl Kustomization {
    /// Parses a kustomization file's text. `Err` holds a message naming the line or field.
    ///
    /// The text is read once, into a node; the typed value, kustomize's checks and the
    /// deprecation warnings ([`Kustomization::deprecations`]) all come from that node.
    /// Only when the node does not decode as it stands (a null, a number where a string
    /// belongs, ...) or is no single mapping is the text read by serde_yaml_ng, whose
    /// reading and line-numbered message the file has always had.
    pub fn parse(text: &str) -> Result<Kustomization, String> {
        if text.trim().is_empty() {
            return Err("kustomization file is empty".into());
        }
        crate::yaml::check_depth(text).map_err(|e| format!("invalid YAML at {e}"))?;
        let Some(top) = read_mapping(text) else {
            let k = from_text(text)?;
            k.check_kind()?;
            return Ok(k);
        };
        let mut k = match typed(&top) {
            Ok(k) => k,
            Err(_) => from_text(text)?,
        };
        k.check_kind()?;
        check_string_maps(&top)?;
        check_yaml11_types(&top)?;
        k.deprecations = deprecation_warnings(&top);
        Ok(k)
    }

    fn check_kind(&self) -> Result<(), String> {
        match self.kind.as_str() {
            "" | "Kustomization" | "Component" => Ok(()),
            other => Err(format!(
                "kind {other:?} is neither Kustomization nor Component"
            )),
        }
    }

    /// Returns true for `kind: Component`.
    pub fn is_component(&self) -> bool {
        self.kind == "Component"
    }

    /// Folds legacy fields into their modern ones (`bases` into `resources`, `imageTags`
    /// into `images`), as kustomize's `FixKustomization` does.
    pub fn fix_legacy(&mut self) {
        let bases = std::mem::take(&mut self.bases);
        self.resources.extend(bases);
        let tags = std::mem::take(&mut self.image_tags);
        self.images.extend(tags);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_fields_are_refused() {
        let e = Kustomization::parse("resources: [a.yaml]\nresourcez: []\n").err();
        assert!(e.is_some_and(|m| m.contains("resourcez")));
    }

    #[test]
    fn deprecated_fields_warn_when_set_even_empty_but_not_when_null() {
        let warnings = |text: &str| Kustomization::parse(text).unwrap_or_default().deprecations;
        let w = warnings("vars:\nbases: []\nCommonLabels: {}\nresources: [a]\n");
        assert_eq!(
            w,
            vec![
                "# Warning: 'bases' is deprecated. Please use 'resources' instead. Run 'kustomize edit fix' to update your Kustomization automatically.",
                "# Warning: 'commonLabels' is deprecated. Please use 'labels' instead. Run 'kustomize edit fix' to update your Kustomization automatically.",
            ]
        );
        assert!(warnings("resources: [a]\n").is_empty());
    }

    #[test]
    fn yaml11_booleans_and_numbers_are_refused_where_strings_belong() {
        for bad in [
            "namespace: y\n",
            "namespace: 1\n",
            "images:\n- name: a\n  newTag: 1.20\n",
            "configMapGenerator:\n- name: a\n  namespace: on\n",
        ] {
            let e = Kustomization::parse(bad).err();
            assert!(
                e.as_deref().is_some_and(|m| m.contains("invalid type")),
                "{bad}: {e:?}"
            );
        }
        for good in [
            "namespace: \"y\"\n",
            "namespace: yo\n",
            "images:\n- name: a\n  newTag: \"1.20\"\n",
            "bases: ~\nnamePrefix: x-\n",
            // An explicit string tag is a string in YAML 1.1 too (kustomize: `yesc`).
            "namePrefix: !!str yes\n",
        ] {
            assert!(Kustomization::parse(good).is_ok(), "{good}");
        }
    }

    #[test]
    fn the_node_reading_is_the_text_reading() {
        for text in [
            "images:\n- name: a\n  newTag: 2001-12-14\n",
            "namePrefix: a-\nnameprefix: b-\n",
            "resources: [a]\nresources: [b]\n",
            "NAMESPACE: ns\nmetadata: {name: x, labels: {a: 1}}\n",
            "commonAnnotations: {a: \"1\"}\nreplicas: [{name: d, count: 2}]\n",
        ] {
            let node = Kustomization::parse(text).map(|mut k| {
                k.deprecations.clear();
                k
            });
            assert_eq!(node, from_text(text), "{text}");
        }
        // Except for nulls, which Go leaves at the zero value where serde_yaml_ng takes
        // `~` and `null` as words (kustomize, checked with the oracle: no namespace).
        for text in ["namespace: ~\nbases:\n", "namespace: null\n"] {
            let k = Kustomization::parse(text).unwrap_or_default();
            assert_eq!(k.namespace, "", "{text}");
            assert_ne!(from_text(text).unwrap_or_default().namespace, "", "{text}");
        }
    }

    #[test]
    fn legacy_fields_fold_into_modern_ones() {
        let mut k = Kustomization::parse(
            "bases: [../b]\nresources: [a.yaml]\nimageTags: [{name: x, newTag: v}]\n",
        )
        .unwrap_or_default();
        k.fix_legacy();
        assert_eq!(k.resources, vec!["a.yaml", "../b"]);
        assert_eq!(k.images.len(), 1);
    }
}
