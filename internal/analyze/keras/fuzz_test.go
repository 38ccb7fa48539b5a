package keras

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	pw "github.com/modelgate/modelgate/internal/format/protowalk"
)

// seeds returns every config document of the Keras samples: config.json
// of each .keras archive, the JSON samples and the keras_metadata.pb files.
func seeds(f *testing.F) (configs, metadata [][]byte) {
	root := filepath.Join("..", "..", "..", "testdata", "samples", "keras")
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		switch {
		case strings.HasSuffix(p, ".keras"):
			if b := configOf(p); b != nil {
				configs = append(configs, b)
			}
		case strings.HasSuffix(p, ".json"):
			b, _ := os.ReadFile(p)
			configs = append(configs, b)
		case strings.HasSuffix(p, ".pb"):
			b, _ := os.ReadFile(p)
			metadata = append(metadata, b)
		}
		return nil
	})
	if len(configs) == 0 || len(metadata) == 0 {
		f.Fatal("no Keras samples found")
	}
	return configs, metadata
}

func configOf(path string) []byte {
	z, err := zip.OpenReader(path)
	if err != nil {
		return nil
	}
	defer z.Close()
	for _, m := range z.File {
		if m.Name == "config.json" {
			r, err := m.Open()
			if err != nil {
				return nil
			}
			defer r.Close()
			b, _ := io.ReadAll(r)
			return b
		}
	}
	return nil
}

// FuzzConfig: the config walker survives any document, legacy or not, and
// every hit is a Keras rule located inside the document (the legacy note
// is about the whole file).
func FuzzConfig(f *testing.F) {
	configs, _ := seeds(f)
	for _, c := range configs {
		f.Add(c, false)
	}
	f.Fuzz(func(t *testing.T, data []byte, legacy bool) {
		s := &scope{}
		a := NewAnalysis(s, legacy, Claim{Source: "fuzz", Version: "3.8.0"})
		_ = a.Config(data, "!config.json")
		a.Finish()
		for _, h := range s.hits {
			fileLevel := h.Rule == "KERAS-210" && h.At == ""
			if !strings.HasPrefix(h.Rule, "KERAS-") || !fileLevel && !strings.HasPrefix(h.At, "!config.json#") {
				t.Fatalf("bad hit %+v", h)
			}
		}
	})
}

// FuzzSavedMetadata: the keras_metadata.pb walker survives any bytes, and
// every node's metadata goes through the config walker.
func FuzzSavedMetadata(f *testing.F) {
	_, metadata := seeds(f)
	for _, m := range metadata {
		f.Add(m)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s := &scope{}
		a := NewAnalysis(s, true, Claim{})
		w := pw.New(bytes.NewReader(data), int64(len(data)), pw.DefaultLimits())
		_ = savedObjects(w, func(i int, n savedObject) error {
			if len(n.metadata) > len(data) {
				t.Fatalf("metadata longer than the input")
			}
			_ = a.Config(n.metadata, "!nodes/0/metadata")
			return nil
		})
		a.Finish()
	})
}
