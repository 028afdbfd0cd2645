#!/usr/bin/env bash
# Installs the Debian packages the document readers need (src/troly/documents/formats/),
# and nothing if they are already there:
#   libreoffice-writer-nogui   .doc (OLE Word) → .docx conversion, headless
#   tesseract-ocr, tesseract-ocr-vie, tesseract-ocr-script-viet   OCR of scanned PDFs
#   ocrmypdf                   drives Tesseract over a PDF and writes a text layer
#   poppler-utils              pdftoppm/pdfinfo (used by ocrmypdf and the tests)
# Idempotent. Never fails the build: if something cannot be installed, the readers that need
# it raise a clear DocumentError and the tests that need it skip with a loud message.
set -uo pipefail

need=()
command -v soffice >/dev/null 2>&1 || need+=(libreoffice-writer-nogui)
command -v tesseract >/dev/null 2>&1 || need+=(tesseract-ocr)
[ -n "$(ls /usr/share/tesseract-ocr/*/tessdata/vie.traineddata 2>/dev/null)" ] || need+=(tesseract-ocr-vie)
[ -n "$(ls /usr/share/tesseract-ocr/*/tessdata/Vietnamese.traineddata /usr/share/tesseract-ocr/*/tessdata/script/Vietnamese.traineddata 2>/dev/null)" ] \
    || need+=(tesseract-ocr-script-viet)
command -v ocrmypdf >/dev/null 2>&1 || need+=(ocrmypdf)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)

if [ ${#need[@]} -gt 0 ]; then
    SUDO=""
    if [ "$(id -u)" != 0 ]; then
        if command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else SUDO="none"; fi
    fi
    if [ "$SUDO" = none ]; then
        echo "ensure_system_packages: not root and no sudo: cannot install ${need[*]}" >&2
    else
        echo "ensure_system_packages: installing ${need[*]}" >&2
        $SUDO apt-get update -q >/dev/null \
            && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends \
                "${need[@]}" >/dev/null \
            || echo "ensure_system_packages: WARNING: apt-get could not install ${need[*]}" >&2
    fi
fi

for tool in soffice tesseract ocrmypdf pdftoppm; do
    command -v "$tool" >/dev/null 2>&1 \
        || echo "ensure_system_packages: WARNING: $tool missing: the formats that need it are off" >&2
done
exit 0
