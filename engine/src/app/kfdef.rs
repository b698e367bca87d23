//! kfctl's `KfDef` (kfdef.apps.kubeflow.org/v1, v1beta1 and v1alpha1): the part Strata
//! reads.
//!
//! Only `spec.repos[]` and `spec.applications[]` matter here; the other fields of a KfDef
//! (platform, plugins, version, status) describe a deployment, not a render, and are
//! accepted and ignored. Repos must be local: a path, relative to the KfDef file, or a
//! `file://` URI. Anything else is refused, because Strata fetches nothing.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Error, Result};

/// The API versions of KfDef that are accepted.
pub const API_VERSIONS: [&str; 3] = [
    "kfdef.apps.kubeflow.org/v1",
    "kfdef.apps.kubeflow.org/v1beta1",
    "kfdef.apps.kubeflow.org/v1alpha1",
];

/// A KfDef document.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KfDef {
    /// One of [`API_VERSIONS`].
    #[serde(default)]
    pub api_version: String,
    /// `KfDef`.
    #[serde(default)]
    pub kind: String,
    /// Name and namespace.
    #[serde(default)]
    pub metadata: Metadata,
    /// Repos and applications.
    #[serde(default)]
    pub spec: Spec,
}

/// `metadata` of a KfDef.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Metadata {
    /// `metadata.name`.
    #[serde(default)]
    pub name: String,
    /// `metadata.namespace`.
    #[serde(default)]
    pub namespace: String,
}

/// `spec` of a KfDef.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Spec {
    /// Where manifests come from.
    #[serde(default)]
    pub repos: Vec<Repo>,
    /// What to render, in order.
    #[serde(default)]
    pub applications: Vec<Application>,
    /// kfctl v0.6's component list, which Strata does not read (refused when set without
    /// applications, rather than rendering nothing).
    #[serde(default)]
    pub components: Vec<String>,
}

/// `spec.repos[]`.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Repo {
    /// The name applications refer to.
    #[serde(default)]
    pub name: String,
    /// A local path or `file://` URI.
    #[serde(default)]
    pub uri: String,
}

/// `spec.applications[]`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Application {
    /// The application's name.
    #[serde(default)]
    pub name: String,
    /// Where its manifests are and how to compose them.
    #[serde(default)]
    pub kustomize_config: Option<KustomizeConfig>,
}

/// `spec.applications[].kustomizeConfig`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KustomizeConfig {
    /// The repo and the path in it.
    #[serde(default)]
    pub repo_ref: Option<RepoRef>,
    /// Overlays to apply, in order, by name (directories under `overlays/`).
    #[serde(default)]
    pub overlays: Vec<String>,
    /// Parameters, in order.
    #[serde(default)]
    pub parameters: Vec<NameValue>,
}

/// `kustomizeConfig.repoRef`.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct RepoRef {
    /// A name from `spec.repos`.
    #[serde(default)]
    pub name: String,
    /// The application's directory in the repo.
    #[serde(default)]
    pub path: String,
}

/// A parameter.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
pub struct NameValue {
    /// The name.
    #[serde(default)]
    pub name: String,
    /// The value.
    #[serde(default)]
    pub value: String,
}

impl KfDef {
    /// Parses and checks a KfDef; `path` names the file in errors.
    pub fn parse(text: &str, path: &Path) -> Result<KfDef> {
        crate::yaml::check_depth(text)
            .map_err(|e| Error::config(path, format!("invalid YAML at {e}")))?;
        let k: KfDef = serde_yaml_ng::from_str(text)
            .map_err(|e| Error::config(path, format!("invalid KfDef: {e}")))?;
        if k.kind != "KfDef" {
            return Err(Error::config(
                path,
                format!("kind is {:?}, expected KfDef", k.kind),
            ));
        }
        if !API_VERSIONS.contains(&k.api_version.as_str()) {
            return Err(Error::config(
                path,
                format!(
                    "apiVersion {:?} is not one of {}",
                    k.api_version,
                    API_VERSIONS.join(", ")
                ),
            ));
        }
        let mut seen: Vec<&str> = Vec::new();
        for r in &k.spec.repos {
            if r.name.is_empty() {
                return Err(Error::config(path, "spec.repos[]: a repo has no name"));
            }
            if seen.contains(&r.name.as_str()) {
                return Err(Error::config(
                    path,
                    format!("spec.repos: repo {:?} is listed twice", r.name),
                ));
            }
            seen.push(&r.name);
        }
        if k.spec.applications.is_empty() && !k.spec.components.is_empty() {
            return Err(Error::config(
                path,
                "spec.components (kfctl v0.6 style) is not supported: list each one under spec.applications with a kustomizeConfig",
            ));
        }
        let mut apps: Vec<&str> = Vec::new();
        for a in &k.spec.applications {
            if a.name.is_empty() {
                return Err(Error::config(
                    path,
                    "spec.applications[]: an application has no name",
                ));
            }
            if apps.contains(&a.name.as_str()) {
                return Err(Error::config(
                    path,
                    format!("spec.applications: {:?} is listed twice", a.name),
                ));
            }
            apps.push(&a.name);
        }
        Ok(k)
    }

    /// Applies `--param [APPLICATION.]NAME=VALUE` overrides, in order: a qualified one to
    /// that application, an unqualified one to every application that lists NAME among its
    /// parameters. The value replaces the listed one (or is appended), so a CI job renders
    /// another pull request's run without editing the file; `path` names the KfDef.
    pub fn apply_overrides(&mut self, overrides: &[String], path: &Path) -> Result<()> {
        for o in overrides {
            let (key, value) = o.split_once('=').ok_or_else(|| {
                Error::config(
                    path,
                    format!("--param {o:?}: expected [APPLICATION.]NAME=VALUE"),
                )
            })?;
            // Parameter names never hold a dot (Tekton's variables do), so the last one
            // separates the application.
            let (app, name) = match key.rsplit_once('.') {
                Some((a, n)) => (Some(a), n),
                None => (None, key),
            };
            if name.is_empty() || app.is_some_and(str::is_empty) {
                return Err(Error::config(
                    path,
                    format!("--param {o:?}: expected [APPLICATION.]NAME=VALUE"),
                ));
            }
            let mut hit = false;
            for a in &mut self.spec.applications {
                let Some(kc) = a.kustomize_config.as_mut() else {
                    continue;
                };
                let chosen = match app {
                    Some(want) => a.name == want,
                    None => kc.parameters.iter().any(|p| p.name == name),
                };
                if chosen {
                    super::compose::set_param(&mut kc.parameters, name, value);
                    hit = true;
                }
            }
            if !hit {
                let apps: Vec<&str> = self
                    .spec
                    .applications
                    .iter()
                    .map(|a| a.name.as_str())
                    .collect();
                let why = match app {
                    Some(a) => format!("no application is named {a:?}"),
                    None => format!(
                        "no application lists parameter {name:?}; name one as APPLICATION.{name}"
                    ),
                };
                return Err(Error::config(
                    path,
                    format!("--param {o:?}: {why} (applications: {})", apps.join(", ")),
                ));
            }
        }
        Ok(())
    }

    /// Returns the repo named `name`.
    pub fn repo(&self, name: &str) -> Option<&Repo> {
        self.spec.repos.iter().find(|r| r.name == name)
    }
}

/// Returns true when `text` looks like a KfDef (its `kind` is KfDef), without checking more.
pub fn looks_like_kfdef(text: &str) -> bool {
    text.lines().any(|l| l.trim_end() == "kind: KfDef")
}

impl Repo {
    /// Returns the repo's local directory (not yet canonical), resolving a relative path
    /// against `base` (the KfDef file's directory); `file` names the KfDef in errors.
    pub fn local_dir(&self, base: &Path, file: &Path) -> Result<PathBuf> {
        let uri = self.uri.trim();
        let local = if let Some(rest) = uri.strip_prefix("file://") {
            // `file:///abs` is absolute; `file://rel` is taken as relative, as Go's url
            // parser would put `rel` in the host (kfctl then joined it as a path).
            rest
        } else if uri.contains("://") || uri.starts_with("git@") {
            return Err(Error::config(
                file,
                format!(
                    "spec.repos[{}]: uri {:?} is not a local path or file:// URI; Strata renders offline and fetches nothing (clone or unpack the repo and name its directory)",
                    self.name, self.uri
                ),
            ));
        } else {
            uri
        };
        if local.is_empty() {
            return Err(Error::config(
                file,
                format!("spec.repos[{}]: uri is empty", self.name),
            ));
        }
        let p = Path::new(local);
        Ok(if p.is_absolute() {
            p.to_path_buf()
        } else {
            base.join(p)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "apiVersion: kfdef.apps.kubeflow.org/v1\nkind: KfDef\nmetadata:\n  name: ci\n  namespace: kubeflow-ci\nspec:\n  repos:\n  - name: manifests\n    uri: file://./manifests\n  applications:\n  - name: ci-pipeline\n    kustomizeConfig:\n      repoRef:\n        name: manifests\n        path: ci/ci-pipeline\n      overlays: [build-push-task]\n      parameters:\n      - name: namespace\n        value: kubeflow-ci\n  version: v0.7\n";

    #[test]
    fn parses_the_fields_strata_reads() {
        let k = KfDef::parse(DOC, Path::new("app.yaml"));
        let k = match k {
            Ok(k) => k,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(k.metadata.namespace, "kubeflow-ci");
        let app = &k.spec.applications[0];
        let kc = app
            .kustomize_config
            .as_ref()
            .map(|c| (c.overlays.clone(), c.parameters.len()));
        assert_eq!(kc, Some((vec!["build-push-task".to_string()], 1)));
        let dir = k
            .repo("manifests")
            .map(|r| r.local_dir(Path::new("/x"), Path::new("app.yaml")));
        assert_eq!(
            dir.and_then(|d| d.ok()),
            Some(PathBuf::from("/x/./manifests"))
        );
        assert!(looks_like_kfdef(DOC));
    }

    #[test]
    fn overrides_replace_or_append_parameters() {
        let two = DOC.replace(
            "  version: v0.7\n",
            "  - name: run\n    kustomizeConfig:\n      parameters:\n      - name: namespace\n        value: a\n      - name: pr\n        value: \"1\"\n",
        );
        let mut k = KfDef::parse(&two, Path::new("app.yaml")).unwrap_or_default();
        let ok = k.apply_overrides(
            &[
                "namespace=ns2".into(),
                "ci-pipeline.pr=7".into(),
                "run.pr=8".into(),
            ],
            Path::new("app.yaml"),
        );
        assert!(ok.is_ok(), "{ok:?}");
        let params = |i: usize| -> Vec<(String, String)> {
            k.spec.applications[i]
                .kustomize_config
                .as_ref()
                .map(|c| {
                    c.parameters
                        .iter()
                        .map(|p| (p.name.clone(), p.value.clone()))
                        .collect()
                })
                .unwrap_or_default()
        };
        let nv = |n: &str, v: &str| (n.to_string(), v.to_string());
        assert_eq!(params(0), vec![nv("namespace", "ns2"), nv("pr", "7")]);
        assert_eq!(params(1), vec![nv("namespace", "ns2"), nv("pr", "8")]);
        for bad in ["novalue", "=x", "nosuch.pr=1", "unlisted=1", ".pr=1"] {
            let e = k.apply_overrides(&[bad.into()], Path::new("app.yaml"));
            let msg = e.err().map(|e| e.to_string()).unwrap_or_default();
            assert!(
                msg.contains("app.yaml") && msg.contains("--param"),
                "{bad}: {msg}"
            );
        }
    }

    #[test]
    fn remote_repos_and_wrong_versions_are_refused() {
        let r = Repo {
            name: "m".into(),
            uri: "https://github.com/kubeflow/manifests/archive/master.tar.gz".into(),
        };
        let e = r
            .local_dir(Path::new("/x"), Path::new("app.yaml"))
            .err()
            .map(|e| e.to_string());
        assert!(e.is_some_and(|m| m.contains("fetches nothing") && m.contains("app.yaml")));
        let bad = DOC.replace("kfdef.apps.kubeflow.org/v1", "kfdef.apps.kubeflow.org/v9");
        assert!(KfDef::parse(&bad, Path::new("a")).is_err());
        let twice = DOC.replace("  version: v0.7\n", "  - name: ci-pipeline\n");
        let e = KfDef::parse(&twice, Path::new("a"))
            .err()
            .map(|e| e.to_string());
        assert!(e.is_some_and(|m| m.contains("listed twice")));
        let v06 = "apiVersion: kfdef.apps.kubeflow.org/v1alpha1\nkind: KfDef\nspec:\n  components: [jupyter]\n";
        let e = KfDef::parse(v06, Path::new("a"))
            .err()
            .map(|e| e.to_string());
        assert!(e.is_some_and(|m| m.contains("spec.components")));
    }
}
