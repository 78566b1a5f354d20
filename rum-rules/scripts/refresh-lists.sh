#!/usr/bin/env bash
# Refreshes the vendored bot lists of rum-rules from their upstream repositories.
#
#   rum-rules/scripts/refresh-lists.sh          # download, regenerate, update SOURCES.md
#
# Needs curl, python3 and sha256sum. Afterwards review the diff (git diff rum-rules/), check
# crawler-user-agents.exclusions.txt still names existing patterns, and run the tests, which
# compile every pattern and re-measure accuracy on the corpus:
#
#   mvn -B -pl rum-rules verify
#
# Sources and licences are described in
# rum-rules/src/main/resources/io/rumsessions/rules/bots/SOURCES.md.
set -euo pipefail

CRAWLER_JSON_URL="https://raw.githubusercontent.com/monperrus/crawler-user-agents/master/crawler-user-agents.json"
CRAWLER_LICENSE_URL="https://raw.githubusercontent.com/monperrus/crawler-user-agents/master/LICENSE"
CRAWLER_COMMIT_URL="https://api.github.com/repos/monperrus/crawler-user-agents/commits/master"
SPAM_URL="https://raw.githubusercontent.com/matomo-org/referrer-spam-list/master/spammers.txt"
SPAM_COMMIT_URL="https://api.github.com/repos/matomo-org/referrer-spam-list/commits/master"

module_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data_dir="$module_dir/src/main/resources/io/rumsessions/rules/bots"
sources="$data_dir/SOURCES.md"
today="$(date -u +%Y-%m-%d)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

fetch() { # url file
  curl --fail --silent --show-error --location --retry 3 --max-time 120 -o "$2" "$1"
}

# The commit a file was taken at (best effort: the GitHub API may rate-limit anonymous calls).
commit_of() { # api-url
  curl --fail --silent --location --max-time 30 "$1" 2>/dev/null \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["sha"])' 2>/dev/null \
    || echo "unknown (GitHub API unavailable)"
}

replace_line() { # prefix new-line
  python3 - "$sources" "$1" "$2" <<'PY'
import sys
path, prefix, new = sys.argv[1:]
with open(path, encoding="utf-8") as f:
    lines = f.read().split("\n")
hits = [i for i, line in enumerate(lines) if line.startswith(prefix)]
if len(hits) != 1:
    sys.exit(f"{path}: expected exactly one line starting with {prefix!r}, found {len(hits)}")
i = hits[0]
# A bullet may continue on indented lines: replace those too.
j = i + 1
while j < len(lines) and lines[j].startswith("  ") and not lines[j].lstrip().startswith("- "):
    j += 1
lines[i:j] = [new]
with open(path, "w", encoding="utf-8") as f:
    f.write("\n".join(lines))
PY
}

echo "crawler-user-agents: downloading"
fetch "$CRAWLER_JSON_URL" "$tmp/crawler-user-agents.json"
fetch "$CRAWLER_LICENSE_URL" "$tmp/LICENSE"
crawler_commit="$(commit_of "$CRAWLER_COMMIT_URL")"
crawler_sha="$(sha256sum "$tmp/crawler-user-agents.json" | cut -d' ' -f1)"
python3 "$module_dir/scripts/crawler-patterns-from-json.py" "$tmp/crawler-user-agents.json" \
  "crawler-user-agents master at commit $crawler_commit (crawler-user-agents.json sha256 $crawler_sha)" \
  "$today" > "$tmp/crawler-user-agents.patterns.txt"
crawler_count="$(grep -vc '^#' "$tmp/crawler-user-agents.patterns.txt")"
mv "$tmp/crawler-user-agents.patterns.txt" "$data_dir/crawler-user-agents.patterns.txt"
cp "$tmp/LICENSE" "$data_dir/crawler-user-agents.LICENSE.txt"
replace_line "- Upstream (crawler-user-agents):" \
  "- Upstream (crawler-user-agents): master at commit $crawler_commit, $crawler_count patterns, crawler-user-agents.json sha256 $crawler_sha."
replace_line "- Retrieved (crawler-user-agents):" "- Retrieved (crawler-user-agents): $today"

echo "referrer-spam-list: downloading"
fetch "$SPAM_URL" "$tmp/spammers.txt"
spam_commit="$(commit_of "$SPAM_COMMIT_URL")"
spam_lines="$(wc -l < "$tmp/spammers.txt" | tr -d ' ')"
spam_bytes="$(wc -c < "$tmp/spammers.txt" | tr -d ' ')"
spam_sha="$(sha256sum "$tmp/spammers.txt" | cut -d' ' -f1)"
mv "$tmp/spammers.txt" "$data_dir/referrer-spam-list.spammers.txt"
replace_line "- Upstream (referrer-spam-list):" \
  "- Upstream (referrer-spam-list): commit $spam_commit, $spam_lines lines, $spam_bytes bytes, sha256 $spam_sha"
replace_line "- Retrieved (referrer-spam-list):" "- Retrieved (referrer-spam-list): $today"

echo "Done: $crawler_count crawler patterns, $spam_lines referrer-spam hosts."
echo "Next: review 'git diff rum-rules/', then run: mvn -B -pl rum-rules verify"
