# Sourced by ./pooltag and ./test: pick_java_home prints a Java home of version 21+ (JAVA_HOME, java on PATH,
# the usual JVM folders), or nothing.

# Major version of the Java home $1 from its release file (no JVM start needed), or 0.
major_of() {
  local rel="$1/release" v
  [ -r "$rel" ] || { echo 0; return; }
  v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$rel")
  echo "${v:-0}"
}

pick_java_home() {
  local cands=() c best="" best_major=0 m
  [ -n "${JAVA_HOME:-}" ] && cands+=("$JAVA_HOME")
  if command -v java >/dev/null 2>&1; then
    c=$(readlink -f "$(command -v java)"); cands+=("${c%/bin/java}")
  fi
  for c in /usr/lib/jvm/* /usr/local/lib/jvm/* /usr/java/* /opt/java/* /opt/jdk* /usr/local/jdk* "$HOME"/.sdkman/candidates/java/*; do
    [ -d "$c" ] && cands+=("$c")
  done
  # The first of JAVA_HOME and PATH that is 21+ wins (the user chose it); else the newest install found.
  for c in "${cands[@]:0:2}"; do
    [ -x "$c/bin/java" ] || continue
    m=$(major_of "$c"); if [ "$m" -ge 21 ]; then echo "$c"; return; fi
  done
  for c in "${cands[@]}"; do
    [ -x "$c/bin/java" ] || continue
    m=$(major_of "$c"); if [ "$m" -ge 21 ] && [ "$m" -gt "$best_major" ]; then best="$c"; best_major=$m; fi
  done
  echo "$best"
}

