//! Behaviour fixtures: small kustomization trees built end to end in memory, with the
//! output the reference kustomize printed for them (api v0.21.3), byte for byte.
#![allow(
    clippy::disallowed_methods,
    reason = "tests and fixtures create trees on disk"
)]

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::accumulate::{BuildOptions, Reorder};
use crate::fs::DiskFs;

static NEXT: AtomicUsize = AtomicUsize::new(0);

/// Writes the tree under a fresh temporary directory (tests only; the library reads
/// through `Fs`), builds `dir` in it with kustomize's default (legacy) order.
fn build<T: AsRef<[u8]>>(files: &[(&str, T)], dir: &str) -> Result<String, String> {
    let opts = BuildOptions {
        reorder: Reorder::Unspecified,
        ..Default::default()
    };
    build_with(files, dir, &opts)
}

/// [`build`] with the caller's options.
fn build_with<T: AsRef<[u8]>>(
    files: &[(&str, T)],
    dir: &str,
    opts: &BuildOptions,
) -> Result<String, String> {
    let n = NEXT.fetch_add(1, Ordering::SeqCst);
    let root = std::env::temp_dir().join(format!("strata-builtins-{}-{n}", std::process::id()));
    for (p, text) in files {
        let path = root.join(p);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
        }
        std::fs::write(&path, text.as_ref()).map_err(|e| e.to_string())?;
    }
    let out = crate::build(&DiskFs, &root.join(dir), opts)
        .map_err(|e| e.to_string())
        .and_then(|res| crate::print(res.as_slice()).map_err(|e| e.to_string()));
    let _ = std::fs::remove_dir_all(&root);
    out
}

/// An env-file line that is a bare key reads the environment the caller handed over in
/// `BuildOptions` (the library reads none itself); unset, the value is empty.
#[test]
fn env_file_bare_keys_read_the_environment_given_as_a_value() {
    let files = [
        (
            "kustomization.yaml",
            "configMapGenerator:\n- name: c\n  envs: [vars.env]\n  options:\n    disableNameSuffixHash: true\n",
        ),
        ("vars.env", "A=1\nFROM_ENV\nNOT_SET\n"),
    ];
    let mut vars = std::collections::BTreeMap::new();
    vars.insert("FROM_ENV".to_string(), "given".to_string());
    let opts = BuildOptions {
        env: crate::loader::Env::new(vars),
        ..Default::default()
    };
    let expect = |v: &str| {
        format!(
            "apiVersion: v1\ndata:\n  A: \"1\"\n  FROM_ENV: {v}\n  NOT_SET: \"\"\nkind: ConfigMap\nmetadata:\n  name: c\n"
        )
    };
    assert_eq!(build_with(&files, "", &opts), Ok(expect("given")));
    assert_eq!(build(&files, ""), Ok(expect("\"\"")));
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

/// `transformers:` entries with built-in kinds: NamespaceTransformer (unsetOnly, allServiceAccounts, custom specs), ImageTagTransformer on a custom field, PrefixSuffixTransformer, LabelTransformer.
#[test]
fn builtin_configs_under_transformers_match_kustomize() {
    let files: [(&str, &[u8]); 2] = [
        ("kustomization.yaml", b"resources: [r.yaml]\ntransformers:\n- |-\n  apiVersion: builtin\n  kind: NamespaceTransformer\n  metadata:\n    name: ns\n    namespace: newns\n  unsetOnly: true\n  setRoleBindingSubjects: allServiceAccounts\n  fieldSpecs:\n  - path: metadata/namespace\n    create: true\n  - path: webhooks/clientConfig/service/namespace\n    kind: ValidatingWebhookConfiguration\n- |-\n  apiVersion: builtin\n  kind: ImageTagTransformer\n  metadata:\n    name: img\n  imageTag:\n    name: nginx\n    newTag: \"1.25\"\n    digest: sha256:aaa\n  fieldSpecs:\n  - path: spec/image\n    kind: MyApp\n- |-\n  apiVersion: builtin\n  kind: PrefixSuffixTransformer\n  metadata:\n    name: ps\n  prefix: pp-\n  suffix: -ss\n  fieldSpecs:\n  - path: metadata/name\n- |-\n  apiVersion: builtin\n  kind: LabelTransformer\n  metadata:\n    name: lt\n  labels: {l: v}\n  fieldSpecs:\n  - path: metadata/labels\n    create: true\n  - path: spec/selector\n    kind: Service\n    create: true\n"),
        ("r.yaml", b"apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: sa\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: sa2\n  namespace: keep\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: crb\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: cr\nsubjects:\n- kind: ServiceAccount\n  name: sa\n- kind: ServiceAccount\n  name: sa2\n  namespace: keep\n- kind: User\n  name: u\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: cr\n---\napiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingWebhookConfiguration\nmetadata:\n  name: vwc\nwebhooks:\n- name: w\n  clientConfig:\n    service:\n      name: svc\n      namespace: old\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: svc\n  namespace: old\nspec:\n  ports: [{port: 80}]\n---\napiVersion: example.com/v1\nkind: MyApp\nmetadata:\n  name: app\nspec:\n  image: nginx:1.0@sha256:bbb\n  template:\n    containers:\n    - image: nginx\n"),
    ];
    assert_eq!(
        build(&files, ".").as_deref(),
        Ok(r#"apiVersion: v1
kind: ServiceAccount
metadata:
  labels:
    l: v
  name: pp-sa2-ss
  namespace: keep
---
apiVersion: v1
kind: ServiceAccount
metadata:
  labels:
    l: v
  name: pp-sa-ss
  namespace: newns
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  labels:
    l: v
  name: pp-cr-ss
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  labels:
    l: v
  name: pp-crb-ss
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: pp-cr-ss
subjects:
- kind: ServiceAccount
  name: pp-sa-ss
  namespace: newns
- kind: ServiceAccount
  name: pp-sa2-ss
  namespace: keep
- kind: User
  name: u
---
apiVersion: v1
kind: Service
metadata:
  labels:
    l: v
  name: pp-svc-ss
  namespace: old
spec:
  ports:
  - port: 80
  selector:
    l: v
---
apiVersion: example.com/v1
kind: MyApp
metadata:
  labels:
    l: v
  name: pp-app-ss
  namespace: newns
spec:
  image: nginx:1.25@sha256:aaa
  template:
    containers:
    - image: nginx:1.25@sha256:aaa
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  labels:
    l: v
  name: pp-vwc-ss
webhooks:
- clientConfig:
    service:
      name: pp-svc-ss
      namespace: old
  name: w
"#)
    );
}

/// Generators from env files (lax keys, bare names), files (keyed, binary), quoted literals, options, a Secret type; an overlay replacing and merging them (across namespaces), prefixing, and every reference kind in a Pod.
#[test]
fn generators_and_overlay_merge_replace_match_kustomize() {
    let files: [(&str, &[u8]); 6] = [
        ("base/bin.dat", b"\x00\x01\xff\xfe binary"),
        ("base/d.yaml", b"apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  volumes:\n  - name: v\n    configMap:\n      name: cm\n  - name: s\n    secret:\n      secretName: sec\n  - name: o\n    projected:\n      sources:\n      - configMap:\n          name: other\n  containers:\n  - name: c\n    image: reg.io:5000/app:1@sha256:123\n    env:\n    - name: X\n      valueFrom:\n        configMapKeyRef:\n          name: cm\n          key: A\n"),
        ("base/f.txt", b"hello\nworld"),
        ("base/kustomization.yaml", b"namespace: ns1\nconfigMapGenerator:\n- name: cm\n  envs: [x.env]\n  files: [f.txt, key=f.txt, bin.dat]\n  literals: [\"L='single'\", \"M=a b\"]\n  options:\n    annotations: {ann: x}\n    immutable: true\n- name: other\n  namespace: ns2\n  literals: [a=b]\nsecretGenerator:\n- name: sec\n  files: [f.txt]\n  type: kubernetes.io/tls\nresources: [d.yaml]\n"),
        ("base/x.env", b"# comment\nA=1\n  B = two \nC=\"quoted\"\nD\nexport E=5\n"),
        ("ov/kustomization.yaml", b"resources: [../base]\nnamePrefix: o-\ngeneratorOptions:\n  labels: {gen: \"yes\"}\nconfigMapGenerator:\n- name: cm\n  behavior: replace\n  literals: [Z=z]\n- name: other\n  namespace: ns2\n  behavior: merge\n  literals: [c=d]\nimages:\n- name: reg.io:5000/app\n  newTag: \"2\"\n"),
    ];
    assert_eq!(
        build(&files, "ov").as_deref(),
        Ok(r#"apiVersion: v1
data:
  Z: z
kind: ConfigMap
metadata:
  annotations:
    ann: x
  labels:
    gen: "yes"
  name: o-cm-b4tmht2hkt
  namespace: ns1
---
apiVersion: v1
data:
  a: b
  c: d
kind: ConfigMap
metadata:
  labels:
    gen: "yes"
  name: o-other-fh478f99mk
  namespace: ns1
---
apiVersion: v1
data:
  f.txt: aGVsbG8Kd29ybGQ=
kind: Secret
metadata:
  name: o-sec-47hg2d47kk
  namespace: ns1
type: kubernetes.io/tls
---
apiVersion: v1
kind: Pod
metadata:
  name: o-p
  namespace: ns1
spec:
  containers:
  - env:
    - name: X
      valueFrom:
        configMapKeyRef:
          key: A
          name: o-cm-b4tmht2hkt
    image: reg.io:5000/app:2
    name: c
  volumes:
  - configMap:
      name: o-cm-b4tmht2hkt
    name: v
  - name: s
    secret:
      secretName: o-sec-47hg2d47kk
  - name: o
    projected:
      sources:
      - configMap:
          name: o-other-fh478f99mk
"#)
    );
}

/// `configurations:` adding name references, image and label specs for a custom kind; Ingress, HPA, StatefulSet, PVC, APIService and CRD webhook references under a prefix, suffix and namespace.
#[test]
fn configurations_and_back_references_match_kustomize() {
    let files: [(&str, &[u8]); 3] = [
        ("conf.yaml", b"nameReference:\n- kind: ConfigMap\n  version: v1\n  fieldSpecs:\n  - path: spec/configRef\n    kind: MyApp\nimages:\n- path: spec/runtime/image\n  kind: MyApp\ncommonLabels:\n- path: spec/selectorLabels\n  kind: MyApp\n  create: true\n"),
        ("kustomization.yaml", b"resources: [r.yaml]\nnamePrefix: x-\nnameSuffix: -y\nnamespace: prod\nconfigurations: [conf.yaml]\nlabels:\n- pairs: {tier: web}\n  fields:\n  - path: spec/podLabels\n    kind: MyApp\n    create: true\nimages:\n- name: app\n  newName: reg/app\n  tagSuffix: \"\"\n"),
        ("r.yaml", b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n---\napiVersion: example.com/v1\nkind: MyApp\nmetadata:\n  name: app\nspec:\n  configRef: cfg\n  runtime:\n    image: app:1\n---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: ing\n  annotations:\n    nginx.ingress.kubernetes.io/auth-secret: sec\nspec:\n  defaultBackend:\n    service: {name: svc, port: {number: 80}}\n  rules:\n  - http:\n      paths:\n      - path: /\n        backend:\n          service: {name: svc, port: {number: 80}}\n  tls:\n  - secretName: sec\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: svc\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: sec\n---\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: hpa\nspec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: StatefulSet, name: ss}\n---\napiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: ss\nspec:\n  serviceName: svc\n  selector: {matchLabels: {a: b}}\n  volumeClaimTemplates:\n  - metadata: {name: data}\n  template:\n    spec:\n      volumes:\n      - name: v\n        persistentVolumeClaim: {claimName: pvc}\n      containers:\n      - name: c\n        image: app\n---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: pvc\n---\napiVersion: apiregistration.k8s.io/v1\nkind: APIService\nmetadata:\n  name: v1.x.io\nspec:\n  service: {name: svc, namespace: old}\n---\napiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: myapps.example.com\nspec:\n  conversion:\n    webhook:\n      clientConfig:\n        service: {name: svc, namespace: old}\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: prod\n"),
    ];
    assert_eq!(
        build(&files, ".").as_deref(),
        Ok(r#"apiVersion: v1
kind: Namespace
metadata:
  labels:
    tier: web
  name: prod
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  labels:
    tier: web
  name: myapps.example.com
spec:
  conversion:
    webhook:
      clientConfig:
        service:
          name: svc
          namespace: prod
---
apiVersion: v1
kind: ConfigMap
metadata:
  labels:
    tier: web
  name: x-cfg-y
  namespace: prod
---
apiVersion: v1
kind: Secret
metadata:
  labels:
    tier: web
  name: x-sec-y
  namespace: prod
---
apiVersion: v1
kind: Service
metadata:
  labels:
    tier: web
  name: x-svc-y
  namespace: prod
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  labels:
    tier: web
  name: x-pvc-y
  namespace: prod
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  labels:
    tier: web
  name: x-ss-y
  namespace: prod
spec:
  selector:
    matchLabels:
      a: b
  serviceName: x-svc-y
  template:
    spec:
      containers:
      - image: reg/app
        name: c
      volumes:
      - name: v
        persistentVolumeClaim:
          claimName: x-pvc-y
  volumeClaimTemplates:
  - metadata:
      name: data
---
apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata:
  labels:
    tier: web
  name: v1.x.io
spec:
  service:
    name: x-svc-y
    namespace: prod
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  labels:
    tier: web
  name: x-hpa-y
  namespace: prod
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: StatefulSet
    name: x-ss-y
---
apiVersion: example.com/v1
kind: MyApp
metadata:
  labels:
    tier: web
  name: x-app-y
  namespace: prod
spec:
  configRef: x-cfg-y
  podLabels:
    tier: web
  runtime:
    image: reg/app:1
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  annotations:
    nginx.ingress.kubernetes.io/auth-secret: x-sec-y
  labels:
    tier: web
  name: x-ing-y
  namespace: prod
spec:
  defaultBackend:
    service:
      name: x-svc-y
      port:
        number: 80
  rules:
  - http:
      paths:
      - backend:
          service:
            name: x-svc-y
            port:
              number: 80
        path: /
  tls:
  - secretName: x-sec-y
"#)
    );
}

/// Components applied after the overlay generators and before its transformers, each transforming what accumulated so far.
#[test]
fn components_run_after_generators_match_kustomize() {
    let files: [(&str, &[u8]); 6] = [
        ("base/d.yaml", b"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  template:\n    spec:\n      containers:\n      - name: c\n        image: img\n        envFrom:\n        - configMapRef: {name: cm}\n"),
        ("base/kustomization.yaml", b"resources: [d.yaml]\nconfigMapGenerator:\n- name: cm\n  literals: [a=1]\n"),
        ("comp1/kustomization.yaml", b"apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nnamePrefix: c1-\nconfigMapGenerator:\n- name: cm\n  behavior: merge\n  literals: [b=2]\ncommonLabels: {c1: \"true\"}\n"),
        ("comp2/extra.yaml", b"apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n"),
        ("comp2/kustomization.yaml", b"apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources: [extra.yaml]\nnameSuffix: -c2\nimages:\n- name: img\n  newTag: v2\n"),
        ("ov/kustomization.yaml", b"resources: [../base]\ncomponents: [../comp1, ../comp2]\nnamespace: x\nconfigMapGenerator:\n- name: local\n  literals: [q=1]\n"),
    ];
    assert_eq!(
        build(&files, "ov").as_deref(),
        Ok(r#"apiVersion: v1
data:
  a: "1"
  b: "2"
kind: ConfigMap
metadata:
  labels:
    c1: "true"
  name: c1-cm-c2-7gdc49gk6d
  namespace: x
---
apiVersion: v1
data:
  q: "1"
kind: ConfigMap
metadata:
  labels:
    c1: "true"
  name: c1-local-c2-h2cbk2bbtf
  namespace: x
---
apiVersion: v1
kind: Service
metadata:
  name: s-c2
  namespace: x
---
apiVersion: apps/v1
kind: Deployment
metadata:
  labels:
    c1: "true"
  name: c1-d-c2
  namespace: x
spec:
  selector:
    matchLabels:
      c1: "true"
  template:
    metadata:
      labels:
        c1: "true"
    spec:
      containers:
      - envFrom:
        - configMapRef:
            name: c1-cm-c2-7gdc49gk6d
        image: img:v2
        name: c
"#)
    );
}

/// `crds:` OpenAPI definitions adding a Secret reference and an annotation field.
#[test]
fn crds_add_field_specs_like_kustomize() {
    let files: [(&str, &[u8]); 3] = [
        ("k.yaml", b"apiVersion: example.com/v1\nkind: MyKind\nmetadata:\n  name: k\nspec:\n  secretRef:\n    name: s\n  tags: {}\n"),
        ("kustomization.yaml", b"crds: [mycrd.json]\nresources: [k.yaml]\nnamePrefix: p-\ncommonAnnotations: {a: b}\nsecretGenerator:\n- name: s\n  literals: [x=y]\n"),
        ("mycrd.json", b"{\n  \"example.com/v1.MyKind\": {\"Schema\": {\"properties\": {\n    \"apiVersion\": {}, \"kind\": {}, \"metadata\": {},\n    \"spec\": {\"$ref\": \"example.com/v1.MySpec\"}}}},\n  \"example.com/v1.MySpec\": {\"Schema\": {\"properties\": {\n    \"secretRef\": {\"x-kubernetes-object-ref-api-version\": \"v1\", \"x-kubernetes-object-ref-kind\": \"Secret\"},\n    \"tags\": {\"x-kubernetes-annotation\": \"\"}}}}\n}\n"),
    ];
    assert_eq!(
        build(&files, ".").as_deref(),
        Ok(r#"apiVersion: v1
data:
  x: eQ==
kind: Secret
metadata:
  annotations:
    a: b
  name: p-s-t86b282gdf
type: Opaque
---
apiVersion: example.com/v1
kind: MyKind
metadata:
  annotations:
    a: b
  name: p-k
spec:
  secretRef:
    name: p-s-t86b282gdf
  tags:
    a: b
"#)
    );
}

/// `transformers:` naming a file of configs and a directory whose kustomization builds them.
#[test]
fn transformer_configs_from_files_and_directories_match_kustomize() {
    let files: [(&str, &[u8]); 5] = [
        ("cm.yaml", b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n"),
        ("kustomization.yaml", b"resources: [cm.yaml]\ntransformers: [tr, lab.yaml]\n"),
        ("lab.yaml", b"apiVersion: builtin\nkind: LabelTransformer\nmetadata:\n  name: l\nlabels: {k: v}\nfieldSpecs:\n- path: metadata/labels\n  create: true\n---\napiVersion: builtin\nkind: PrefixSuffixTransformer\nmetadata:\n  name: p\nprefix: pre-\nfieldSpecs:\n- path: metadata/name\n"),
        ("tr/ann.yaml", b"apiVersion: builtin\nkind: AnnotationsTransformer\nmetadata:\n  name: a\nannotations: {x: y}\nfieldSpecs:\n- path: metadata/annotations\n  create: true\n"),
        ("tr/kustomization.yaml", b"resources: [ann.yaml]\n"),
    ];
    assert_eq!(
        build(&files, ".").as_deref(),
        Ok(r#"apiVersion: v1
kind: ConfigMap
metadata:
  annotations:
    x: "y"
  labels:
    k: v
  name: pre-c
"#)
    );
}

/// ValueAddTransformer: the directory name as default value, selectors, namespace and file path positions.
#[test]
fn value_add_transformer_matches_kustomize() {
    let files: [(&str, &[u8]); 2] = [
        ("myproj/kustomization.yaml", b"resources: [r.yaml]\ntransformers:\n- |-\n  apiVersion: builtin\n  kind: ValueAddTransformer\n  metadata:\n    name: va\n  targets:\n  - fieldPath: metadata/namespace\n  - selector:\n      kind: Deployment\n    fieldPath: spec/template/spec/storage/path\n    filePathPosition: 2\n  - selector:\n      name: c.*\n    fieldPath: data/project\n"),
        ("myproj/r.yaml", b"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  template:\n    spec:\n      storage:\n        path: /a/b/c\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: cr\n"),
    ];
    assert_eq!(
        build(&files, "myproj").as_deref(),
        Ok(r#"apiVersion: rbac.authorization.k8s.io/v1
data:
  project: myproj
kind: ClusterRole
metadata:
  name: cr
---
apiVersion: v1
data:
  project: myproj
kind: ConfigMap
metadata:
  name: cm
  namespace: myproj
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
  namespace: myproj
spec:
  template:
    spec:
      storage:
        path: /a/myproj/b/c
"#)
    );
}
