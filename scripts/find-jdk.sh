# Sourced by ./pooltag, ./test and .ci/run: finds a Java home of version 21+ (JAVA_HOME, java on PATH, the usual JVM
# folders). No JVM is started and, when JAVA_HOME is set, no process either: the launcher runs this before every
# command, and on 2 busy CPUs each fork costs milliseconds (docs/PERFORMANCE.md, start-up).

# Sets REPLY to the major version of the Java home $1, read from its release file with bash alone, or 0.
java_major() {
  REPLY=0
  local line v
  [ -r "$1/release" ] || return 0
  while IFS= read -r line || [ -n "$line" ]; do
    case $line in
      JAVA_VERSION=*) v=${line#JAVA_VERSION=}; v=${v#\"}; v=${v%%[!0-9]*}; REPLY=${v:-0}; return 0 ;;
    esac
  done < "$1/release"
}

# Prints the major version of the Java home $1, or 0.
major_of() {
  java_major "$1"
  echo "$REPLY"
}

# Sets JAVA_PICKED to the Java home to use, or to "" when none of 21+ is found. The first of JAVA_HOME and the java
# on PATH that is 21+ wins (the user chose it); else the newest install in the usual folders.
find_java_home() {
  JAVA_PICKED=""
  local c best_major=0 d
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
    java_major "$JAVA_HOME"
    if [ "$REPLY" -ge 21 ]; then JAVA_PICKED=$JAVA_HOME; return 0; fi
  fi
  local IFS=:
  for d in $PATH; do
    if [ -n "$d" ] && [ -x "$d/java" ] && [ ! -d "$d/java" ]; then
      c=$(readlink -f "$d/java"); c=${c%/bin/java}
      java_major "$c"
      if [ "$REPLY" -ge 21 ]; then JAVA_PICKED=$c; return 0; fi
      break
    fi
  done
  unset IFS
  for c in /usr/lib/jvm/* /usr/local/lib/jvm/* /usr/java/* /opt/java/* /opt/jdk* /usr/local/jdk* "${HOME:-/nonexistent}"/.sdkman/candidates/java/*; do
    [ -x "$c/bin/java" ] || continue
    java_major "$c"
    if [ "$REPLY" -ge 21 ] && [ "$REPLY" -gt "$best_major" ]; then JAVA_PICKED=$c; best_major=$REPLY; fi
  done
}

# Prints what find_java_home picks (for scripts that want it in a variable), or nothing.
pick_java_home() {
  find_java_home
  echo "$JAVA_PICKED"
}
