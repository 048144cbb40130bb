#!/usr/bin/env bash
# Build the action's image from ./Dockerfile and run its entrypoint the way GitHub runs a
# container action: /github/workspace holding a fixture project, INPUT_* variables with
# hyphens, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files under /github/file_commands.
#
# No Docker engine is needed: podman builds the image (chroot isolation) and buildah runs
# the entrypoint in a container of it. The official Python image cannot be pulled here, so
# the image is built on a Debian bookworm root file system made with debootstrap from the
# machine's own apt mirror, cached in podman's storage as $BASE_IMAGE (--rebuild-base makes
# it again). Installs podman, buildah and debootstrap when they are missing. Needs root.
#
# Usage: bash tests/container/check.sh [--rebuild-base]
# Prints "container check: PASS" and exits 0, or exits non-zero naming the failed check.
set -euo pipefail
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"  # debootstrap lives in /usr/sbin

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
FIXTURE="$ROOT/tests/container/workspace"
BASE_IMAGE="localhost/domain-guard-base:bookworm"
IMAGE="localhost/domain-guard:check"
CA_BUNDLE="/etc/ssl/certs/ca-certificates.crt"
REBUILD_BASE=0
[[ "${1:-}" == "--rebuild-base" ]] && REBUILD_BASE=1

STARTED=$SECONDS
TMP=""
CONTAINERS=()

log() { printf 'container check: %s\n' "$*" >&2; }
fail() {
    log "FAIL: $*"
    exit 1
}
cleanup() {
    local ctr
    for ctr in "${CONTAINERS[@]}"; do buildah rm "$ctr" >/dev/null 2>&1 || true; done
    if [[ -n "$TMP" ]]; then rm -rf "$TMP"; fi
}
trap cleanup EXIT

[[ "$(id -u)" == 0 ]] || fail "needs root (podman and buildah with chroot isolation)"
TMP="$(mktemp -d /tmp/domain-guard-container.XXXXXX)"

# --- tools ---------------------------------------------------------------------------------
missing=()
for tool in podman buildah debootstrap; do
    command -v "$tool" >/dev/null || missing+=("$tool")
done
if ((${#missing[@]})); then
    log "installing ${missing[*]}"
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q podman buildah debootstrap >/dev/null
fi

# --- base image: Debian bookworm with python3, from the machine's apt mirror ------------------
# The first archive the apt sources list for bookworm (not the security archive).
debian_mirror() {
    python3 - /etc/apt/sources.list /etc/apt/sources.list.d/* <<'PY'
import re, sys
for name in sys.argv[1:]:
    try:
        text = open(name, encoding="utf-8").read()
    except OSError:
        continue
    if name.endswith(".sources"):  # deb822 stanzas
        for stanza in re.split(r"\n\s*\n", text):
            fields = dict(re.findall(r"^([A-Za-z-]+):[ \t]*(.*)$", stanza, re.M))
            if "bookworm" in fields.get("Suites", "").split() and "deb" in fields.get("Types", "").split():
                print(fields["URIs"].split()[0])
                raise SystemExit
    else:  # one-line style: deb [options] URI suite components
        for line in text.splitlines():
            words = re.sub(r"\[[^]]*\]", "", line.split("#", 1)[0]).split()
            if len(words) >= 3 and words[0] == "deb" and words[2] == "bookworm":
                print(words[1])
                raise SystemExit
print("http://deb.debian.org/debian")
PY
}

if ((REBUILD_BASE)) || ! podman image exists "$BASE_IMAGE"; then
    mirror="$(debian_mirror)"
    log "making $BASE_IMAGE with debootstrap from $mirror"
    rootfs="$TMP/rootfs"
    debootstrap --variant=minbase --include=python3,python3-venv,python3-pip,ca-certificates \
        bookworm "$rootfs" "$mirror" >"$TMP/debootstrap.log" 2>&1 ||
        { tail -n 30 "$TMP/debootstrap.log" >&2; fail "debootstrap"; }
    rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb
    tar -C "$rootfs" -c . |
        podman import \
            --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
            --change 'CMD ["/bin/bash"]' - "$BASE_IMAGE" >/dev/null
    rm -rf "$rootfs"
else
    log "reusing $BASE_IMAGE"
fi

# --- build ------------------------------------------------------------------------------------
log "building $IMAGE"
# pip inside the build needs the machine's CA bundle to reach the index.
podman build --isolation=chroot --layers \
    --build-arg BASE_IMAGE="$BASE_IMAGE" --build-arg PYTHON=python3 \
    -v "$CA_BUNDLE:$CA_BUNDLE:ro" \
    -f "$ROOT/Dockerfile" -t "$IMAGE" "$ROOT" >"$TMP/build.log" 2>&1 ||
    { tail -n 40 "$TMP/build.log" >&2; fail "podman build"; }

entrypoint="$(podman image inspect --format '{{json .Config.Entrypoint}}' "$IMAGE")"
[[ "$entrypoint" == '["domain-guard","action"]' ]] ||
    fail "entrypoint is $entrypoint, action.yml needs [\"domain-guard\",\"action\"]"
ctr="$(buildah from "$IMAGE")"
CONTAINERS+=("$ctr")
if buildah run --isolation=chroot "$ctr" -- sh -c 'command -v gcc || command -v cc' 2>/dev/null; then
    fail "the final image has a C compiler"
fi

# --- run the entrypoint as GitHub's runner does ---------------------------------------------
# run_action NAME [ENV=VALUE ...]: a fresh workspace and file_commands under $TMP/NAME, the
# entrypoint run in a new container; sets STATUS to its exit code.
run_action() {
    local dir="$TMP/$1" ctr
    shift
    mkdir -p "$dir/home" "$dir/file_commands"
    cp -r "$FIXTURE" "$dir/workspace"
    : >"$dir/file_commands/set_output_check"
    : >"$dir/file_commands/step_summary_check"
    ctr="$(buildah from "$IMAGE")"
    CONTAINERS+=("$ctr")
    local env=(
        HOME=/github/home CI=true GITHUB_ACTIONS=true GITHUB_WORKSPACE=/github/workspace
        GITHUB_REPOSITORY=example/fixture GITHUB_EVENT_NAME=push
        GITHUB_OUTPUT=/github/file_commands/set_output_check
        GITHUB_STEP_SUMMARY=/github/file_commands/step_summary_check
        # Every input of action.yml, as the runner sets them: defaults filled in.
        "INPUT_PATHS=." INPUT_FAIL-ON=high INPUT_FAIL-ON-UNKNOWN=false INPUT_EXPIRY-WINDOW=30
        INPUT_FORMAT=github INPUT_SARIF-FILE= INPUT_OPEN-ISSUE=false INPUT_ISSUE-LABEL=domain-guard
        INPUT_GITHUB-TOKEN= INPUT_CONFIG= INPUT_OFFLINE=true
        "$@"
    )
    local args=() var
    for var in "${env[@]}"; do args+=(--env "$var"); done
    # The image's entrypoint, exactly as configured (checked above).
    set +e
    buildah run --isolation=chroot --workingdir /github/workspace "${args[@]}" \
        -v "$dir/workspace:/github/workspace" -v "$dir/file_commands:/github/file_commands" \
        -v "$dir/home:/github/home" "$ctr" -- domain-guard action \
        >"$dir/stdout" 2>"$dir/stderr"
    STATUS=$?
    set -e
}

expect_file_line() { # FILE LINE
    grep -qxF -- "$2" "$1" || {
        cat "$1" >&2
        fail "$(basename "$1") has no line '$2'"
    }
}

# 1. Offline with the defaults: both looked-up domains unknown, nothing fails.
run_action default "INPUT_SARIF-FILE=results.sarif"
d="$TMP/default"
((STATUS == 0)) || { cat "$d/stderr" >&2; fail "default run exited $STATUS, expected 0"; }
expect_file_line "$d/file_commands/set_output_check" "findings=0"
expect_file_line "$d/file_commands/set_output_check" "highest-risk=unknown"
expect_file_line "$d/file_commands/set_output_check" "report-path=domain-guard-report.json"
expect_file_line "$d/file_commands/set_output_check" "issue-number="
python3 - "$d" <<'PY' || fail "report, SARIF, summary or annotations are not as expected"
import json, pathlib, sys
d = pathlib.Path(sys.argv[1])
report = json.loads((d / "workspace/domain-guard-report.json").read_text())
assert report["summary"]["highest_risk"] == "unknown", report["summary"]
assert sorted(x["domain"] for x in report["domains"]) == ["bobsmith.org", "janedoe.dev"]
assert {x["email"] for x in report["contacts"]} == {
    "jane@janedoe.dev", "jane+pypi@janedoe.dev", "bob@bobsmith.org", "someone@gmail.com"}
assert json.loads((d / "workspace/results.sarif").read_text())["version"] == "2.1.0"
summary = (d / "file_commands/step_summary_check").read_text()
assert summary.lstrip().startswith("#"), summary[:200]
assert "`janedoe.dev`" in summary and "`bobsmith.org`" in summary, summary
# One ::notice per address of a looked-up domain (unknown is a notice, not an error).
log = (d / "stdout").read_text().splitlines()
notices = [l for l in log if l.startswith("::notice ")]
assert len(notices) == 3, notices
assert not [l for l in log if l.startswith(("::error", "::warning"))], log
PY

# 2. fail-on-unknown: the two unknown domains are findings and the step fails.
run_action strict "INPUT_FAIL-ON-UNKNOWN=true"
d="$TMP/strict"
((STATUS == 1)) || { cat "$d/stderr" >&2; fail "fail-on-unknown run exited $STATUS, expected 1"; }
expect_file_line "$d/file_commands/set_output_check" "findings=2"
expect_file_line "$d/file_commands/set_output_check" "highest-risk=unknown"

# 3. A bad input is a usage error, reported on the step.
run_action bad-input "INPUT_FAIL-ON=sometimes"
((STATUS == 2)) || { cat "$TMP/bad-input/stderr" >&2; fail "bad input exited $STATUS, expected 2"; }
grep -q '^::error::.*fail-on' "$TMP/bad-input/stdout" || fail "bad input: no ::error annotation"

size="$(podman image inspect --format '{{.Size}}' "$IMAGE" | awk '{printf "%.0f MB", $1 / 1e6}')"
echo "container check: PASS ($((SECONDS - STARTED)) s, image $IMAGE $size)"
