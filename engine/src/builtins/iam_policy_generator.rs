//! `IAMPolicyGenerator` (kustomize's `plugin/builtin/iampolicygenerator`): for
//! `cloud: gke`, a ServiceAccount bound to a Google service account through the
//! `iam.gke.io/gcp-service-account` annotation (Workload Identity).

use super::{Context, Generator};
use crate::error::{Error, Result};
use crate::resource::{Origin, Resource};
use crate::yaml::{Map, Node};

/// Generates one ServiceAccount.
#[derive(Clone, Debug, Default)]
pub struct IamPolicyGenerator {
    /// `kubernetesService.name`.
    pub name: String,
    /// `kubernetesService.namespace`.
    pub namespace: String,
    /// `serviceAccount.name`.
    pub gsa_name: String,
    /// `serviceAccount.projectId`.
    pub project_id: String,
    /// Where it was configured.
    pub origin: Origin,
}

impl IamPolicyGenerator {
    /// Reads a `kind: IAMPolicyGenerator` config.
    pub fn from_config(config: &Node) -> std::result::Result<IamPolicyGenerator, String> {
        let cloud = config.str_at(&["cloud"]).unwrap_or("");
        if cloud != "gke" {
            return Err(format!(
                "unsupported cloud provider: {cloud:?} (only \"gke\" is supported)"
            ));
        }
        let s = |p: &[&str]| config.str_at(p).unwrap_or("").to_string();
        let g = IamPolicyGenerator {
            name: s(&["kubernetesService", "name"]),
            namespace: s(&["kubernetesService", "namespace"]),
            gsa_name: s(&["serviceAccount", "name"]),
            project_id: s(&["serviceAccount", "projectId"]),
            origin: Origin::default(),
        };
        if g.name.is_empty() {
            return Err("kubernetesService.name must be set".into());
        }
        if g.gsa_name.is_empty() || g.project_id.is_empty() {
            return Err("serviceAccount.name and serviceAccount.projectId must be set".into());
        }
        Ok(g)
    }
}

impl Generator for IamPolicyGenerator {
    fn name(&self) -> &str {
        "IAMPolicyGenerator"
    }

    fn generate(&self, cx: &Context<'_>) -> Result<Vec<Resource>> {
        let mut meta = Map::new();
        let mut ann = Map::new();
        ann.insert(
            "iam.gke.io/gcp-service-account".into(),
            Node::str(format!(
                "{}@{}.iam.gserviceaccount.com",
                self.gsa_name, self.project_id
            )),
        );
        meta.insert("annotations".into(), Node::Map(ann));
        meta.insert("name".into(), Node::str(self.name.clone()));
        if !self.namespace.is_empty() {
            meta.insert("namespace".into(), Node::str(self.namespace.clone()));
        }
        let mut m = Map::new();
        m.insert("apiVersion".into(), Node::str("v1"));
        m.insert("kind".into(), Node::str("ServiceAccount"));
        m.insert("metadata".into(), Node::Map(meta));
        let mut r = Resource::new(Node::Map(m));
        r.origin = Some(self.origin.clone());
        r.source = Some(cx.root.file.display().to_string());
        if r.name().is_empty() {
            return Err(Error::config(
                cx.root.file,
                "IAMPolicyGenerator: empty name",
            ));
        }
        Ok(vec![r])
    }
}
