#!/usr/bin/env bash
# rebuild-manifests: pins the freshly built image in the developer's fork of the
# manifests repo, rebuilds and tests the manifests, and when the tests pass pushes a
# branch and opens a pull request upstream.
#
# It lives in the kubeflow repo at py/kubeflow/kubeflow/ci/rebuild-manifests.sh, where the
# update-manifests Task runs it from the mounted checkout (command/args: Tekton v0.8 has
# no step `script`). This copy in the catalog is the one the offline end-to-end test
# (tests/it/catalog.rs) runs. Every input comes from the environment the Task's step sets.
set -euo pipefail

for var in IMAGE_NAME IMAGE_URL DIGEST_FILE PR_DIR MANIFESTS_DIR PATH_TO_MANIFESTS_DIR \
    UPSTREAM_REPO_URL UPSTREAM_REPO UPSTREAM_BRANCH GITHUB_API_URL SSH_SECRET_DIR GITHUB_TOKEN; do
  if [ -z "${!var:-}" ]; then
    echo "rebuild-manifests: $var is not set" >&2
    exit 2
  fi
done

# The pull request that triggered the run: its fork, branch and commit (pr.json,
# Tekton's generic form) and the GitHub user who owns the fork (github/pr.json).
fork_repo=$(jq -er '.Head.Repo' "$PR_DIR/pr.json")
fork_branch=$(jq -er '.Head.Branch' "$PR_DIR/pr.json")
fork_sha=$(jq -er '.Head.SHA' "$PR_DIR/pr.json")
user=$(jq -er '.head.user.login' "$PR_DIR/github/pr.json")
pr_url=$(jq -er '.html_url' "$PR_DIR/github/pr.json")

digest=$(tr -d '[:space:]' < "$DIGEST_FILE")
case "$digest" in
  sha256:????????????????????????????????????????????????????????????????) ;;
  *) echo "rebuild-manifests: $DIGEST_FILE does not hold a sha256 digest" >&2; exit 1 ;;
esac
new_branch="update-${IMAGE_NAME}-${fork_sha:0:12}"

# ssh keys for pushing to the fork, from the github-secret secret.
mkdir -p "$HOME/.ssh"
chmod 700 "$HOME/.ssh"
for f in id_rsa id_rsa.pub known_hosts; do
  install -m 600 "$SSH_SECRET_DIR/$f" "$HOME/.ssh/$f"
done

cd "$MANIFESTS_DIR"
git config user.name "$user"
git config user.email "$user@users.noreply.github.com"
git remote add upstream "$UPSTREAM_REPO_URL"
git fetch upstream "$UPSTREAM_BRANCH"
git checkout -b "$new_branch" "upstream/$UPSTREAM_BRANCH"

(cd "$PATH_TO_MANIFESTS_DIR" && strata edit set image "$IMAGE_URL@$digest")

# A failing generate or test stops here (set -e): nothing is committed or pushed.
(cd tests && make generate && make test)

git add -A
git commit -m "Update $IMAGE_NAME to $digest" \
  -m "Built from $fork_repo branch $fork_branch at $fork_sha ($pr_url)."
git push origin "$new_branch"

payload=$(jq -n \
  --arg title "Update $IMAGE_NAME to $digest" \
  --arg head "$user:$new_branch" \
  --arg base "$UPSTREAM_BRANCH" \
  --arg body "Pins $IMAGE_URL@$digest in $PATH_TO_MANIFESTS_DIR. Built from $fork_repo branch $fork_branch at $fork_sha for $pr_url." \
  '{title: $title, head: $head, base: $base, body: $body}')
curl --fail --silent --show-error --max-time 60 -X POST \
  -H "Authorization: token $GITHUB_TOKEN" \
  -H "Accept: application/vnd.github.v3+json" \
  -H "Content-Type: application/json" \
  --data "$payload" \
  "$GITHUB_API_URL/repos/$UPSTREAM_REPO/pulls"
echo
echo "rebuild-manifests: opened a pull request from $user:$new_branch"
