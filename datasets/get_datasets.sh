#!/usr/bin/env bash
# Download CIFAR-10 (python version, about 163 MB) once, check it and unpack it.
#
# Usage, from any directory:  bash datasets/get_datasets.sh
#
# The batches go to datasets/cifar-10-batches-py, which is where
# cs231n_core.data_utils looks for them. Running the script again when they
# are there does nothing. Optional environment variables:
#   CS231N_CIFAR10_DIR   put the batches here instead (the loaders read the same variable)
#   CS231N_CIFAR10_URL   fetch the archive from here instead (e.g. a file:// copy)
#   CS231N_CIFAR10_MD5   the archive's expected md5 checksum
set -euo pipefail

here="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
url="${CS231N_CIFAR10_URL:-https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz}"
md5="${CS231N_CIFAR10_MD5:-c58f30108f718f92721af3b95e74349a}"
dest="${CS231N_CIFAR10_DIR:-$here/cifar-10-batches-py}"
files=(data_batch_1 data_batch_2 data_batch_3 data_batch_4 data_batch_5 test_batch batches.meta)

die() {
    echo "get_datasets.sh: error: $*" >&2
    exit 1
}

is_complete() {
    local f
    for f in "${files[@]}"; do
        [[ -s "$1/$f" ]] || return 1
    done
}

if is_complete "$dest"; then
    echo "CIFAR-10 is already in $dest; nothing to do."
    exit 0
fi

command -v tar >/dev/null || die "tar is needed to unpack the archive: install it and re-run"
if command -v md5sum >/dev/null; then
    md5_of() { md5sum "$1" | cut -d ' ' -f 1; }
elif command -v md5 >/dev/null; then
    md5_of() { md5 -q "$1"; }
else
    die "md5sum (or md5) is needed to check the download: install coreutils and re-run"
fi

# Work next to the destination, so the final moves are renames on one file system,
# and clean up whatever happens.
parent="$(dirname -- "$dest")"
mkdir -p -- "$parent" || die "cannot create $parent: choose a writable CS231N_CIFAR10_DIR"
work="$(mktemp -d "$parent/.cifar10-download.XXXXXX")"
trap 'rm -rf -- "$work"' EXIT
archive="$work/cifar-10-python.tar.gz"
hint="connect to the internet and re-run, or fetch the archive by hand and set CS231N_CIFAR10_URL=file:///path/to/cifar-10-python.tar.gz"

echo "Downloading CIFAR-10 from $url"
if command -v curl >/dev/null; then
    if [[ -t 2 ]]; then quiet=(--progress-bar); else quiet=(--silent); fi
    status=0
    curl --fail --location --retry 2 --connect-timeout 20 "${quiet[@]}" -o "$archive" "$url" \
        || status=$?
    [[ $status -eq 0 ]] || die "could not download $url (curl exit code $status; offline?): $hint"
elif command -v wget >/dev/null; then
    if [[ -t 2 ]]; then quiet=(); else quiet=(--quiet); fi
    status=0
    wget --tries=2 --timeout=20 "${quiet[@]}" -O "$archive" "$url" || status=$?
    [[ $status -eq 0 ]] || die "could not download $url (wget exit code $status; offline?): $hint"
else
    die "neither curl nor wget is installed: install one of them and re-run"
fi

got="$(md5_of "$archive")"
[[ "$got" == "$md5" ]] \
    || die "checksum mismatch for $url: expected md5 $md5, got $got (corrupt or changed download; nothing was installed, re-run to try again)"

echo "Checksum OK; unpacking into $dest"
status=0
tar_log="$(tar -xzf "$archive" -C "$work" 2>&1)" || status=$?
if [[ $status -ne 0 ]]; then
    reason="$(printf '%s\n' "$tar_log" | grep -m 1 . || true)"
    die "could not unpack the archive from $url (${reason:-tar exit code $status}): check the free disk space, or re-run to download it again"
fi
is_complete "$work/cifar-10-batches-py" \
    || die "the archive from $url has no complete cifar-10-batches-py/ (${files[*]})"

mkdir -p -- "$dest"
for f in "${files[@]}" readme.html; do
    if [[ -e "$work/cifar-10-batches-py/$f" ]]; then
        mv -f -- "$work/cifar-10-batches-py/$f" "$dest/$f"
    fi
done
echo "CIFAR-10 is ready in $dest"
