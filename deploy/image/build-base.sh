#!/usr/bin/env bash
# Builds the offline base image for the processor's container image: a distroless-style Java 17
# runtime assembled from Debian's own packages (openjdk-17-jre-headless and the C libraries it
# loads), with no shell and no package manager, written as a `docker save` tarball that Jib reads
# with `tar://` (no daemon, no registry).
#
#   deploy/image/build-base.sh [COPY_TO]    # prints the tarball's path as the last line on stdout
#
# Debian's packages are the only source of a maintained Java runtime that this build machine can
# reach (no container registry is reachable); the packages are the current ones of the Debian
# release that apt is set up for, security updates included (`apt-get update` first). Their names
# and versions are recorded in the image (/var/lib/dpkg/status.d/, as distroless images do, so
# image scanners see them) and in the cache key: a new security release builds a new base.
#
# Cache (outside the repository):
#   ${RUM_IMAGE_BASE_CACHE:-$HOME/.cache/rum-sessions/image-base}/<hash>/base.tar
# <hash> = sha256 of this script and the package versions. Needs root only for `apt-get update`
# when apt has no package lists yet; needs `java` (any 11+) to write the CA certificate store.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${RUM_IMAGE_BASE_CACHE:-$HOME/.cache/rum-sessions/image-base}"
# What the JVM loads (ldd of java, libjvm.so and the headless lib/*.so), the CA certificates for
# TLS exports, tzdata for java.time's system zone lookups, base-files for /etc/os-release.
PACKAGES=(openjdk-17-jre-headless libc6 libgcc-s1 libstdc++6 zlib1g ca-certificates tzdata base-files netbase)
JAVA_HOME_IN_IMAGE=/usr/lib/jvm/java-17-openjdk-amd64
UID_GID=65532   # "nonroot", as in distroless images
STATE_DIR=/var/lib/rum-sessions

log() { echo "image/build-base.sh: $*" >&2; }

candidate() { apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ { print $2 }'; }

if [[ -z "$(candidate openjdk-17-jre-headless)" || "$(candidate openjdk-17-jre-headless)" == "(none)" ]]; then
  log "apt has no package lists: apt-get update"
  apt-get update -qq >&2
fi
versions=""
for p in "${PACKAGES[@]}"; do
  v="$(candidate "$p")"
  [[ -n "$v" && "$v" != "(none)" ]] || { log "Debian package $p has no candidate version"; exit 2; }
  versions+="$p=$v"$'\n'
done

HASH="$( { cat "${BASH_SOURCE[0]}"; printf '%s' "$versions"; } | sha256sum | cut -c1-16)"
OUT="$CACHE/$HASH"
TAR="$OUT/base.tar"

publish() {
  if [[ -n "${1:-}" ]]; then
    mkdir -p "$(dirname "$1")"
    cp "$TAR" "$1.tmp" && mv "$1.tmp" "$1"
    echo "$1"
  else
    echo "$TAR"
  fi
}

if [[ -f "$TAR" ]]; then
  log "reusing $TAR"
  publish "${1:-}"
  exit 0
fi

mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock 9
if [[ -f "$TAR" ]]; then
  log "reusing $TAR (built while waiting for the lock)"
  publish "${1:-}"
  exit 0
fi

WORK="$(mktemp -d "$CACHE/.build-$HASH-XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
start=$(date +%s)
log "downloading: $(echo "$versions" | tr '\n' ' ')"
mkdir -p "$WORK/debs" "$WORK/rootfs"
pins=()
while IFS= read -r pv; do [[ -n "$pv" ]] && pins+=("$pv"); done <<<"$versions"
(cd "$WORK/debs" && apt-get download -q "${pins[@]}" >&2)

ROOT="$WORK/rootfs"
mkdir -p "$ROOT/var/lib/dpkg/status.d"
for deb in "$WORK"/debs/*.deb; do
  dpkg-deb -x "$deb" "$ROOT"
  name="$(dpkg-deb -f "$deb" Package)"
  dpkg-deb -f "$deb" > "$ROOT/var/lib/dpkg/status.d/$name"
done

# What the packages' maintainer scripts would have done, for a JVM that never runs them:
# Debian's JRE links lib/security/cacerts to /etc/ssl/certs/java/cacerts, made by
# ca-certificates-java's postinst. Write it from the Mozilla bundle of the ca-certificates package.
mkdir -p "$ROOT/etc/ssl/certs/java"
cat > "$WORK/MakeCacerts.java" <<'JAVA'
import java.io.*;
import java.nio.file.*;
import java.security.KeyStore;
import java.security.cert.*;
import java.util.*;

public class MakeCacerts {
  public static void main(String[] args) throws Exception {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    CertificateFactory cf = CertificateFactory.getInstance("X.509");
    List<Path> files = new ArrayList<>();
    try (var s = Files.walk(Path.of(args[0]))) { s.filter(p -> p.toString().endsWith(".crt")).sorted().forEach(files::add); }
    for (Path p : files) {
      try (InputStream in = Files.newInputStream(p)) {
        String alias = p.getFileName().toString().replace(".crt", "").toLowerCase(Locale.ROOT);
        ks.setCertificateEntry(alias, cf.generateCertificate(in));
      }
    }
    try (OutputStream out = Files.newOutputStream(Path.of(args[1]))) { ks.store(out, "changeit".toCharArray()); }
    System.err.println("cacerts: " + files.size() + " certificates");
  }
}
JAVA
java "$WORK/MakeCacerts.java" "$ROOT/usr/share/ca-certificates/mozilla" "$ROOT/etc/ssl/certs/java/cacerts" >&2
[[ -x "$ROOT$JAVA_HOME_IN_IMAGE/bin/java" ]] || { log "no java at $JAVA_HOME_IN_IMAGE/bin/java"; exit 1; }

# Users, a writable /tmp (hsperfdata, JIT logs) and the state directory owned by the image's user.
mkdir -p "$ROOT/etc" "$ROOT/tmp" "$ROOT/home/nonroot" "$ROOT$STATE_DIR"
printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:%s:%s:nonroot:/home/nonroot:/sbin/nologin\n' $UID_GID $UID_GID > "$ROOT/etc/passwd"
printf 'root:x:0:\nnonroot:x:%s:\n' $UID_GID > "$ROOT/etc/group"
chmod 1777 "$ROOT/tmp"
# Timestamps of the build do not leak into the layer: same packages, same tarball.
find "$ROOT" -exec touch -h -d @0 {} +

# Root owns everything but the image user's own directories (appended second).
tar --sort=name --numeric-owner --owner=0 --group=0 --mtime=@0 --format=gnu \
  -C "$ROOT" --exclude="./home/nonroot" --exclude=".$STATE_DIR" -cf "$WORK/layer.tar" .
tar --sort=name --numeric-owner --owner=$UID_GID --group=$UID_GID --mtime=@0 --format=gnu \
  -C "$ROOT" -rf "$WORK/layer.tar" ./home/nonroot ".$STATE_DIR"

DIFF_ID="sha256:$(sha256sum "$WORK/layer.tar" | cut -d' ' -f1)"
mkdir -p "$WORK/image"
mv "$WORK/layer.tar" "$WORK/image/layer.tar"
labels="$(echo "$versions" | awk -F= 'NF == 2 { printf "%s\"io.rumsessions.base.debian.%s\": \"%s\"", sep, $1, $2; sep = ", " }')"
cat > "$WORK/image/config.json" <<JSON
{
  "architecture": "amd64",
  "os": "linux",
  "created": "1970-01-01T00:00:00Z",
  "config": {
    "Env": ["PATH=$JAVA_HOME_IN_IMAGE/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "JAVA_HOME=$JAVA_HOME_IN_IMAGE", "LANG=C.UTF-8"],
    "User": "$UID_GID:$UID_GID",
    "WorkingDir": "/home/nonroot",
    "Labels": {$labels}
  },
  "rootfs": {"type": "layers", "diff_ids": ["$DIFF_ID"]},
  "history": [{"created": "1970-01-01T00:00:00Z", "created_by": "deploy/image/build-base.sh: Debian packages $(echo "$versions" | tr '\n' ' ')"}]
}
JSON
echo '[{"Config": "config.json", "RepoTags": ["rum-sessions-base:'"$HASH"'"], "Layers": ["layer.tar"]}]' > "$WORK/image/manifest.json"
tar --numeric-owner --owner=0 --group=0 --mtime=@0 -C "$WORK/image" -cf "$WORK/base.tar" manifest.json config.json layer.tar
printf '%s' "$versions" > "$WORK/packages.txt"
log "built in $(( $(date +%s) - start )) s: $(du -h "$WORK/base.tar" | cut -f1)"

rm -rf "$OUT"
mkdir -p "$OUT"
mv "$WORK/base.tar" "$WORK/packages.txt" "$OUT/"
publish "${1:-}"
