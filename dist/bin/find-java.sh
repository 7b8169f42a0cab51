# Sourced (not run) by ./hermes-front, ./mvn-jdk and the tarball's bin/hermes-front: finds a JDK new enough for
# hermes-front, the same way for building and for running. Plain bash (the tarball's launcher may get a PATH with
# little more than bash, dirname and readlink).
#
#   hf_find_java        sets hf_java_home (the JDK's directory) and hf_java (its bin/java), or prints which Java is
#                       needed and returns 2.
#
# Looked at in order, the first new enough wins: $JAVA_HOME, the java on the PATH, then the newest JDK under
# /usr/lib/jvm (Debian, Ubuntu, Fedora) or /Library/Java/JavaVirtualMachines (macOS).

# The Java the build targets (maven.compiler.release in pom.xml) and the runtime needs: move them together.
hf_java_min=25

# Prints the feature version (17, 21, 25, …) of the JDK or JRE in directory $1, or nothing when there is none.
hf_java_version() {
  local home="$1" line v=""
  [ -x "$home/bin/java" ] || return 0
  if [ -r "$home/release" ]; then
    while IFS= read -r line || [ -n "$line" ]; do
      case "$line" in
        JAVA_VERSION=*) v="${line#JAVA_VERSION=}"; v="${v//\"/}" ;;
      esac
    done < "$home/release"
  fi
  if [ -z "$v" ]; then
    # No release file: ask the JVM (openjdk version "25.0.3" …).
    line="$("$home/bin/java" -version 2>&1)" || return 0
    [[ "$line" =~ version\ \"([0-9][^\"]*)\" ]] && v="${BASH_REMATCH[1]}"
  fi
  v="${v%%[!0-9]*}"
  [ -n "$v" ] && echo "$v"
}

hf_find_java() {
  local candidates=() c v best="" best_v=0 found=()
  hf_java_home=""
  hf_java=""
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  if c="$(command -v java 2>/dev/null)" && [ -n "$c" ]; then
    c="$(readlink -f "$c" 2>/dev/null || echo "$c")"
    candidates+=("$(dirname "$(dirname "$c")")")
  fi
  for c in "${candidates[@]}"; do
    v="$(hf_java_version "$c")"
    [ -n "$v" ] || continue
    found+=("$c (Java $v)")
    if [ "$v" -ge "$hf_java_min" ]; then
      hf_java_home="$c"
      hf_java="$c/bin/java"
      return 0
    fi
  done
  for c in /usr/lib/jvm/* /Library/Java/JavaVirtualMachines/*/Contents/Home; do
    [ -d "$c" ] && [ ! -L "$c" ] || continue
    v="$(hf_java_version "$c")"
    [ -n "$v" ] || continue
    if [ "$v" -ge "$hf_java_min" ] && [ "$v" -gt "$best_v" ]; then
      best="$c"
      best_v="$v"
    fi
  done
  if [ -n "$best" ]; then
    hf_java_home="$best"
    hf_java="$best/bin/java"
    return 0
  fi
  echo "hermes-front: Java $hf_java_min or newer is needed (a JDK to build, a JDK or JRE to run)${found:+; found only ${found[*]}}." >&2
  echo "hermes-front: install one (e.g. Temurin $hf_java_min from adoptium.net, or apt-get install openjdk-$hf_java_min-jdk-headless)" \
    "and set JAVA_HOME to it, or put it under /usr/lib/jvm" >&2
  return 2
}
