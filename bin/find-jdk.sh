# Sourced by ./distillery and .ci/run: sets DISTILLERY_JAVA_HOME to a JDK 25 or newer, or exits
# with a message saying what to install. Looks at JAVA_HOME first, then the usual install folders.
distillery_jdk_major() {
    local release="$1/release" version
    [ -x "$1/bin/java" ] && [ -f "$release" ] || return 1
    version=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$release")
    [ -n "$version" ] && echo "$version"
}

distillery_find_jdk() {
    local candidate major
    for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/* /usr/java/* /opt/java/* /opt/jdk* \
        "$HOME"/.sdkman/candidates/java/* /Library/Java/JavaVirtualMachines/*/Contents/Home; do
        [ -n "$candidate" ] && [ -d "$candidate" ] || continue
        major=$(distillery_jdk_major "$candidate") || continue
        if [ "$major" -ge 25 ]; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

if ! DISTILLERY_JAVA_HOME=$(distillery_find_jdk); then
    echo "Distillery needs JDK 25 or newer (for the Vector API), and none was found in JAVA_HOME or" >&2
    echo "/usr/lib/jvm. Install one, e.g. Eclipse Temurin 25 (apt package temurin-25-jdk from the" >&2
    echo "Adoptium repository), then set JAVA_HOME to it." >&2
    exit 1
fi
export DISTILLERY_JAVA_HOME
