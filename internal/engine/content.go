package engine

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"
)

// modelExtensions are the names under which model files are shipped. In a
// walked directory a file is scanned when its content is recognised or its
// name carries one of these; anything else is counted as skipped.
var modelExtensions = map[string]bool{
	".pt": true, ".pth": true, ".bin": true, ".ckpt": true, ".pkl": true, ".pickle": true,
	".joblib": true, ".dill": true, ".dat": true, ".data": true, ".npy": true, ".npz": true,
	".h5": true, ".hdf5": true, ".keras": true, ".pb": true, ".onnx": true, ".gguf": true,
	".ggml": true, ".safetensors": true, ".tflite": true, ".mar": true, ".model": true,
	".mlmodel": true, ".msgpack": true, ".zip": true, ".tar": true, ".7z": true, ".gz": true,
	".bz2": true, ".xz": true, ".lz4": true, ".lzma": true, ".z": true, ".sav": true, ".jinja": true,
}

func hasModelExtension(name string) bool {
	name = strings.ToLower(name)
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		return modelExtensions[name[i:]]
	}
	return false
}

// signatures name common non-model contents for the FILE-100 evidence.
var signatures = []struct {
	prefix, what string
}{
	{"\x89PNG\r\n\x1a\n", "PNG image"},
	{"\xff\xd8\xff", "JPEG image"},
	{"GIF8", "GIF image"},
	{"%PDF-", "PDF document"},
	{"\x7fELF", "ELF executable or library"},
	{"MZ", "Windows PE executable"},
	{"\xcf\xfa\xed\xfe", "Mach-O executable"},
	{"\xfe\xed\xfa\xcf", "Mach-O executable"},
	{"\xca\xfe\xba\xbe", "Mach-O universal binary or Java class"},
	{"#!", "script with an interpreter line"},
	{"\x00asm", "WebAssembly module"},
}

// describeContent says what an unrecognised artifact looks like.
func describeContent(head []byte, size int64) string {
	if size == 0 {
		return "empty file"
	}
	for _, s := range signatures {
		if bytes.HasPrefix(head, []byte(s.prefix)) {
			return s.what
		}
	}
	if utf8.Valid(head) && bytes.IndexByte(head, 0) < 0 {
		return fmt.Sprintf("text, %d bytes", size)
	}
	return fmt.Sprintf("binary data, %d bytes, starting %q", size, head[:min(len(head), 8)])
}
