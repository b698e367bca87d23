//! Behaviour fixtures: small kustomization trees built end to end in memory, with the
//! output the reference kustomize printed for them (api v0.21.3), byte for byte.

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::accumulate::{BuildOptions, Reorder};
use crate::fs::DiskFs;

static NEXT: AtomicUsize = AtomicUsize::new(0);

/// Writes the tree under a fresh temporary directory (tests only; the library reads
/// through `Fs`), builds `dir` in it with kustomize's default (legacy) order.
fn build(files: &[(&str, &str)], dir: &str) -> Result<String, String> {
    let n = NEXT.fetch_add(1, Ordering::SeqCst);
    let root = std::env::temp_dir().join(format!("strata-builtins-{}-{n}", std::process::id()));
    for (p, text) in files {
        let path = root.join(p);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
        }
        std::fs::write(&path, text).map_err(|e| e.to_string())?;
    }
    let opts = BuildOptions {
        reorder: Reorder::Unspecified,
        ..Default::default()
    };
    let out = crate::build(&DiskFs, &root.join(dir), &opts)
        .map_err(|e| e.to_string())
        .and_then(|res| crate::print(res.as_slice()).map_err(|e| e.to_string()));
    let _ = std::fs::remove_dir_all(&root);
    out
}

/// Two overlays (prefix + namespace + labels + images + replicas; suffix + labels with
/// templates + annotations + a generator merge) over one base, built side by side: hashes,
/// name references (envFrom, serviceAccountName, roleRef, subjects) and selectors.
#[test]
fn diamond_of_two_overlays_matches_kustomize() {
    let got = build(&diamond_files(), "top");
    assert_eq!(got.as_deref(), Ok(EXPECTED_DIAMOND));
}

fn diamond_files() -> [(&'static str, &'static str); 5] {
    [
        (
            "a/kustomization.yaml",
            r#"resources: [../base]
namePrefix: a-
namespace: ns-a
commonLabels: {team: a}
images:
- name: nginx
  newName: my/nginx
  newTag: "2"
- name: busybox
  digest: sha256:def
replicas:
- name: app
  count: 3
"#,
        ),
        (
            "b/kustomization.yaml",
            r#"resources: [../base]
nameSuffix: -b
labels:
- pairs: {team: b}
  includeTemplates: true
commonAnnotations: {note: b}
configMapGenerator:
- name: cfg
  behavior: merge
  literals: [k2=v2]
"#,
        ),
        (
            "base/kustomization.yaml",
            r#"resources:
- res.yaml
configMapGenerator:
- name: cfg
  literals: [k=v]
"#,
        ),
        (
            "base/res.yaml",
            r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
spec:
  replicas: 1
  selector:
    matchLabels: {app: x}
  template:
    metadata:
      labels: {app: x}
    spec:
      serviceAccountName: sa
      initContainers:
      - name: init
        image: busybox:1.0
      containers:
      - name: c
        image: nginx@sha256:abc
        envFrom:
        - configMapRef:
            name: cfg
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: sa
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: rb
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: r
subjects:
- kind: ServiceAccount
  name: sa
- kind: ServiceAccount
  name: default
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: r
"#,
        ),
        (
            "top/kustomization.yaml",
            r#"resources: [../a, ../b]
"#,
        ),
    ]
}

const EXPECTED_DIAMOND: &str = r#"apiVersion: v1
kind: ServiceAccount
metadata:
  labels:
    team: a
  name: a-sa
  namespace: ns-a
---
apiVersion: v1
kind: ServiceAccount
metadata:
  annotations:
    note: b
  labels:
    team: b
  name: sa-b
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  labels:
    team: a
  name: a-r
  namespace: ns-a
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  annotations:
    note: b
  labels:
    team: b
  name: r-b
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  labels:
    team: a
  name: a-rb
  namespace: ns-a
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: a-r
subjects:
- kind: ServiceAccount
  name: a-sa
  namespace: ns-a
- kind: ServiceAccount
  name: default
  namespace: ns-a
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  annotations:
    note: b
  labels:
    team: b
  name: rb-b
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: r-b
subjects:
- kind: ServiceAccount
  name: sa-b
- kind: ServiceAccount
  name: default
---
apiVersion: v1
data:
  k: v
kind: ConfigMap
metadata:
  labels:
    team: a
  name: a-cfg-bdg947hgcc
  namespace: ns-a
---
apiVersion: v1
data:
  k: v
  k2: v2
kind: ConfigMap
metadata:
  annotations:
    note: b
  labels:
    team: b
  name: cfg-b-797ght8c9h
---
apiVersion: apps/v1
kind: Deployment
metadata:
  labels:
    team: a
  name: a-app
  namespace: ns-a
spec:
  replicas: 3
  selector:
    matchLabels:
      app: x
      team: a
  template:
    metadata:
      labels:
        app: x
        team: a
    spec:
      containers:
      - envFrom:
        - configMapRef:
            name: a-cfg-bdg947hgcc
        image: my/nginx:2
        name: c
      initContainers:
      - image: busybox@sha256:def
        name: init
      serviceAccountName: a-sa
---
apiVersion: apps/v1
kind: Deployment
metadata:
  annotations:
    note: b
  labels:
    team: b
  name: app-b
spec:
  replicas: 1
  selector:
    matchLabels:
      app: x
  template:
    metadata:
      annotations:
        note: b
      labels:
        app: x
        team: b
    spec:
      containers:
      - envFrom:
        - configMapRef:
            name: cfg-b-797ght8c9h
        image: nginx@sha256:abc
        name: c
      initContainers:
      - image: busybox:1.0
        name: init
      serviceAccountName: sa-b
"#;

#[test]
fn replicas_on_a_kind_without_replicas_is_refused() {
    let files = [
        (
            "kustomization.yaml",
            "resources: [cm.yaml]\nreplicas:\n- name: c\n  count: 2\n",
        ),
        (
            "cm.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n",
        ),
    ];
    let err = build(&files, ".").err().unwrap_or_default();
    assert!(err.contains("kustomization.yaml"), "{err}");
    assert!(err.contains("resource with name c does not match a config with the following GVK [Deployment.[noVer].[noGrp] StatefulSet.[noVer].[noGrp] ReplicaSet.[noVer].[noGrp] ReplicationController.[noVer].[noGrp]]"), "{err}");
}

#[test]
fn a_generator_merging_into_nothing_is_refused() {
    let files = [(
        "kustomization.yaml",
        "configMapGenerator:\n- name: x\n  behavior: merge\n  literals: [a=b]\n",
    )];
    let err = build(&files, ".").err().unwrap_or_default();
    assert!(
        err.contains("ConfigMap.v1.[noGrp]/x.[noNs] does not exist; cannot merge or replace"),
        "{err}"
    );
    assert!(err.contains("kustomization.yaml"), "{err}");
}

/// The same tree under a top kustomization with `buildMetadata` origins and transformer
/// annotations and its own namespace: every transformer that ran, per resource, in order.
#[test]
fn build_metadata_annotations_match_kustomize() {
    let mut files: Vec<(&str, &str)> = diamond_files().to_vec();
    for f in files.iter_mut() {
        if f.0 == "top/kustomization.yaml" {
            f.1 = "resources: [../a, ../b]\nbuildMetadata: [transformerAnnotations, originAnnotations]\nnamespace: top\n";
        }
    }
    let got = build(&files, "top");
    assert_eq!(got.as_deref(), Ok(EXPECTED_METADATA));
}

const EXPECTED_METADATA: &str = r#"apiVersion: v1
kind: ServiceAccount
metadata:
  annotations:
    alpha.config.kubernetes.io/transformations: |
      - configuredIn: ../a/kustomization.yaml
        configuredBy:
          apiVersion: builtin
          kind: NamespaceTransformer
      - configuredIn: ../a/kustomization.yaml
        configuredBy:
          apiVersion: builtin
          kind: PrefixTransformer
      - configuredIn: ../a/kustomization.yaml
        configuredBy:
          apiVersion: builtin
          kind: LabelTransformer
      - configuredIn: ../a/kustomization.yaml
        configuredBy:
          apiVersion: builtin
          kind: ReplicaCountTransformer
      - configuredIn: ../a/kustomization.yaml
        configuredBy:
          apiVersion: builtin
          kind: ImageTagTransformer
      - configuredIn: ../a/kustomization.yaml
        configuredBy:
          apiVersion: builtin
          kind: ImageTagTransformer
      - configuredIn: kustomization.yaml
        configuredBy:
          apiVersion: builtin
          kind: NamespaceTransformer
    config.kubernetes.io/origin: |
      path: ../base/res.yaml
  labels:
    team: a
  name: a-sa
  namespace: top
---
apiVersion: v1
kind: ServiceAccount
metadata:
  annotations:
    alpha.config.kubernetes.io/transformations: |
      - configuredIn: ../b/kustomization.yaml
        configuredBy:
          apiVersion: builtin
          kind: SuffixTransformer
      - configuredIn: ../b/kustomization.yaml
        configuredBy:
          apiVersion: builtin
          kind: LabelTransformer
      - configuredIn: ../b/kustomization.yaml
        configuredBy:
          apiVersion: builtin
          kind: LabelTransformer
      - configuredIn: ../b/kustomization.yaml
        configuredBy:
          apiVersion: builtin
          kind: AnnotationsTransformer
      - configuredIn: kustomization.yaml
        configuredBy:
          apiVersion: builtin
          kind: NamespaceTransformer
    config.kubernetes.io/origin: |
      path: ../base/res.yaml
    note: b
  labels:
    team: b
  name: sa-b
  namespace: top
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  annotations:
    alpha.config.kubernetes.io/transformations: |
      - configuredIn: ../a/kustomization.yaml
        configuredBy:
          apiVersion: builtin
          kind: NamespaceTransformer
      - configuredIn: ../a/kustomization.yaml
        configuredBy:
          apiVersion: builtin
          kind: PrefixTransformer
      - configuredIn: ../a/kustomization.yaml
        configuredBy:
          apiVersion: builtin
          kind: LabelTransformer
      - configuredIn: ../a/kustomization.yaml
        configuredBy:
          apiVersion: builtin
          kind: ReplicaCountTransformer
      - configuredIn: ../a/kustomization.yaml
        configuredBy:
          apiVersion: builtin
          kind: ImageTagTransformer
      - configuredIn: ../a/kustomization.yaml
        configuredBy:
          apiVersion: builtin
          kind: ImageTagTransformer
      - configuredIn: kustomization.yaml
        configuredBy:
          apiVersion: builtin
          kind: NamespaceTransformer
    config.kubernetes.io/origin: |
      path: ../base/res.yaml
  labels:
    team: a
  name: a-r
  namespace: top
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  annotations:
    alpha.config.kubernetes.io/transformations: |
      - configuredIn: ../b/kustomization.yaml
        configuredBy:
          apiVersion: builtin
          kind: SuffixTransformer
      - configuredIn: ../b/kustomization.yaml
        configuredBy:
          apiVersion: builtin
          kind: LabelTransformer
      - configuredIn: ../b/kustomization.yaml
        configuredBy:
          apiVersion: builtin
          kind: LabelTransformer
      - configuredIn: ../b/kustomization.yaml
        configuredBy:
          apiVersion: builtin
          kind: AnnotationsTransformer
      - configuredIn: kustomization.yaml
        configuredBy:
          apiVersion: builtin
          kind: NamespaceTransformer
    config.kubernetes.io/origin: |
      path: ../base/res.yaml
    note: b
  labels:
    team: b
  name: r-b
  namespace: top
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  annotations:
    alpha.config.kubernetes.io/transformations: |
      - configuredIn: ../a/kustomization.yaml
        configuredBy:
          apiVersion: builtin
          kind: NamespaceTransformer
      - configuredIn: ../a/kustomization.yaml
        configuredBy:
          apiVersion: builtin
          kind: PrefixTransformer
      - configuredIn: ../a/kustomization.yaml
        configuredBy:
          apiVersion: builtin
          kind: LabelTransformer
      - configuredIn: ../a/kustomization.yaml
        configuredBy:
          apiVersion: builtin
          kind: ReplicaCountTransformer
      - configuredIn: ../a/kustomization.yaml
        configuredBy:
          apiVersion: builtin
          kind: ImageTagTransformer
      - configuredIn: ../a/kustomization.yaml
        configuredBy:
          apiVersion: builtin
          kind: ImageTagTransformer
      - configuredIn: kustomization.yaml
        configuredBy:
          apiVersion: builtin
          kind: NamespaceTransformer
    config.kubernetes.io/origin: |
      path: ../base/res.yaml
  labels:
    team: a
  name: a-rb
  namespace: top
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: a-r
subjects:
- kind: ServiceAccount
  name: a-sa
  namespace: top
- kind: ServiceAccount
  name: default
  namespace: top
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  annotations:
    alpha.config.kubernetes.io/transformations: |
      - configuredIn: ../b/kustomization.yaml
        configuredBy:
          apiVersion: builtin
          kind: SuffixTransformer
      - configuredIn: ../b/kustomization.yaml
        configuredBy:
          apiVersion: builtin
          kind: LabelTransformer
      - configuredIn: ../b/kustomization.yaml
        configuredBy:
          apiVersion: builtin
          kind: LabelTransformer
      - configuredIn: ../b/kustomization.yaml
        configuredBy:
          apiVersion: builtin
          kind: AnnotationsTransformer
      - configuredIn: kustomization.yaml
        configuredBy:
          apiVersion: builtin
          kind: NamespaceTransformer
    config.kubernetes.io/origin: |
      path: ../base/res.yaml
    note: b
  labels:
    team: b
  name: rb-b
  namespace: top
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: r-b
subjects:
- kind: ServiceAccount
  name: sa-b
  namespace: top
- kind: ServiceAccount
  name: default
  namespace: top
---
apiVersion: v1
data:
  k: v
kind: ConfigMap
metadata:
  annotations:
    alpha.config.kubernetes.io/transformations: |
      - configuredIn: ../a/kustomization.yaml
        configuredBy:
          apiVersion: builtin
          kind: NamespaceTransformer
      - configuredIn: ../a/kustomization.yaml
        configuredBy:
          apiVersion: builtin
          kind: PrefixTransformer
      - configuredIn: ../a/kustomization.yaml
        configuredBy:
          apiVersion: builtin
          kind: LabelTransformer
      - configuredIn: ../a/kustomization.yaml
        configuredBy:
          apiVersion: builtin
          kind: ReplicaCountTransformer
      - configuredIn: ../a/kustomization.yaml
        configuredBy:
          apiVersion: builtin
          kind: ImageTagTransformer
      - configuredIn: ../a/kustomization.yaml
        configuredBy:
          apiVersion: builtin
          kind: ImageTagTransformer
      - configuredIn: kustomization.yaml
        configuredBy:
          apiVersion: builtin
          kind: NamespaceTransformer
    config.kubernetes.io/origin: |
      configuredIn: ../base/kustomization.yaml
      configuredBy:
        apiVersion: builtin
        kind: ConfigMapGenerator
  labels:
    team: a
  name: a-cfg-bdg947hgcc
  namespace: top
---
apiVersion: v1
data:
  k: v
  k2: v2
kind: ConfigMap
metadata:
  annotations:
    alpha.config.kubernetes.io/transformations: |
      - configuredIn: ../b/kustomization.yaml
        configuredBy:
          apiVersion: builtin
          kind: SuffixTransformer
      - configuredIn: ../b/kustomization.yaml
        configuredBy:
          apiVersion: builtin
          kind: LabelTransformer
      - configuredIn: ../b/kustomization.yaml
        configuredBy:
          apiVersion: builtin
          kind: LabelTransformer
      - configuredIn: ../b/kustomization.yaml
        configuredBy:
          apiVersion: builtin
          kind: AnnotationsTransformer
      - configuredIn: kustomization.yaml
        configuredBy:
          apiVersion: builtin
          kind: NamespaceTransformer
    config.kubernetes.io/origin: |
      configuredIn: ../base/kustomization.yaml
      configuredBy:
        apiVersion: builtin
        kind: ConfigMapGenerator
    note: b
  labels:
    team: b
  name: cfg-b-797ght8c9h
  namespace: top
---
apiVersion: apps/v1
kind: Deployment
metadata:
  annotations:
    alpha.config.kubernetes.io/transformations: |
      - configuredIn: ../a/kustomization.yaml
        configuredBy:
          apiVersion: builtin
          kind: NamespaceTransformer
      - configuredIn: ../a/kustomization.yaml
        configuredBy:
          apiVersion: builtin
          kind: PrefixTransformer
      - configuredIn: ../a/kustomization.yaml
        configuredBy:
          apiVersion: builtin
          kind: LabelTransformer
      - configuredIn: ../a/kustomization.yaml
        configuredBy:
          apiVersion: builtin
          kind: ReplicaCountTransformer
      - configuredIn: ../a/kustomization.yaml
        configuredBy:
          apiVersion: builtin
          kind: ImageTagTransformer
      - configuredIn: ../a/kustomization.yaml
        configuredBy:
          apiVersion: builtin
          kind: ImageTagTransformer
      - configuredIn: kustomization.yaml
        configuredBy:
          apiVersion: builtin
          kind: NamespaceTransformer
    config.kubernetes.io/origin: |
      path: ../base/res.yaml
  labels:
    team: a
  name: a-app
  namespace: top
spec:
  replicas: 3
  selector:
    matchLabels:
      app: x
      team: a
  template:
    metadata:
      labels:
        app: x
        team: a
    spec:
      containers:
      - envFrom:
        - configMapRef:
            name: a-cfg-bdg947hgcc
        image: my/nginx:2
        name: c
      initContainers:
      - image: busybox@sha256:def
        name: init
      serviceAccountName: a-sa
---
apiVersion: apps/v1
kind: Deployment
metadata:
  annotations:
    alpha.config.kubernetes.io/transformations: |
      - configuredIn: ../b/kustomization.yaml
        configuredBy:
          apiVersion: builtin
          kind: SuffixTransformer
      - configuredIn: ../b/kustomization.yaml
        configuredBy:
          apiVersion: builtin
          kind: LabelTransformer
      - configuredIn: ../b/kustomization.yaml
        configuredBy:
          apiVersion: builtin
          kind: LabelTransformer
      - configuredIn: ../b/kustomization.yaml
        configuredBy:
          apiVersion: builtin
          kind: AnnotationsTransformer
      - configuredIn: kustomization.yaml
        configuredBy:
          apiVersion: builtin
          kind: NamespaceTransformer
    config.kubernetes.io/origin: |
      path: ../base/res.yaml
    note: b
  labels:
    team: b
  name: app-b
  namespace: top
spec:
  replicas: 1
  selector:
    matchLabels:
      app: x
  template:
    metadata:
      annotations:
        note: b
      labels:
        app: x
        team: b
    spec:
      containers:
      - envFrom:
        - configMapRef:
            name: cfg-b-797ght8c9h
        image: nginx@sha256:abc
        name: c
      initContainers:
      - image: busybox:1.0
        name: init
      serviceAccountName: sa-b
"#;
