package baseline

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/internal/finding"
	"github.com/modelgate/modelgate/internal/scantest"
)

// project copies some samples into root/models, as a repository checked
// out somewhere on some machine.
func project(t *testing.T, root string) {
	t.Helper()
	for _, rel := range []string{"pickle/os_system_v2.pkl", "pickle/user_class_v2.pkl", "pickle/unknown_global.pkl",
		"archive/nested.tar.gz", "torch/torchscript.pt", "numpy/object_array.npy"} {
		copyFile(t, filepath.Join(scantest.Samples(), rel), filepath.Join(root, "models", rel))
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func count(rep *finding.Report) (listed, known int) {
	for _, f := range rep.Files {
		listed += len(f.Findings)
		known += f.Baselined
	}
	return
}

func fingerprints(rep *finding.Report) []string {
	var out []string
	for _, f := range rep.Files {
		for _, x := range f.Findings {
			out = append(out, x.Fingerprint)
		}
	}
	slices.Sort(out)
	return out
}

// TestRoundTripAcrossMachines writes a baseline in one checkout and applies
// it in another under a different absolute root: every finding is known.
func TestRoundTripAcrossMachines(t *testing.T) {
	a := filepath.Join(t.TempDir(), "home", "alice", "repo")
	b := filepath.Join(t.TempDir(), "ci", "build-1234", "work", "repo")
	project(t, a)
	project(t, b)

	repA := scantest.Scan(t, filepath.Join(a, "models"))
	Stamp(&repA)
	path := filepath.Join(a, ".modelgate-baseline.json")
	if err := FromReport(&repA, a).Write(path); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	if bytes.Contains(data, []byte(a)) || bytes.Contains(data, []byte("alice")) {
		t.Fatalf("the baseline holds an absolute path:\n%s", data)
	}
	copyFile(t, path, filepath.Join(b, ".modelgate-baseline.json"))

	repB := scantest.Scan(t, filepath.Join(b, "models"))
	Stamp(&repB)
	if fa, fb := fingerprints(&repA), fingerprints(&repB); !slices.Equal(fa, fb) || len(fa) == 0 {
		t.Fatalf("fingerprints differ across roots:\n%v\n%v", fa, fb)
	}
	base, err := Load(filepath.Join(b, ".modelgate-baseline.json"))
	if err != nil {
		t.Fatal(err)
	}
	base.Apply(&repB, b)
	if listed, known := count(&repB); listed != 0 || known != len(base.Findings) {
		t.Fatalf("%d findings still listed, %d known of %d", listed, known, len(base.Findings))
	}
}

func TestMovesCopiesAndNewFindings(t *testing.T) {
	root := t.TempDir()
	project(t, root)
	rep := scantest.Scan(t, filepath.Join(root, "models"))
	base := FromReport(&rep, root)

	// Move one file, copy another next to its original, add a new one.
	models := filepath.Join(root, "models")
	if err := os.Rename(filepath.Join(models, "pickle/user_class_v2.pkl"), filepath.Join(models, "renamed/net.pkl")); err == nil {
		t.Fatal("rename into a missing directory worked")
	}
	os.MkdirAll(filepath.Join(models, "renamed"), 0o755)
	if err := os.Rename(filepath.Join(models, "pickle/user_class_v2.pkl"), filepath.Join(models, "renamed/net.pkl")); err != nil {
		t.Fatal(err)
	}
	copyFile(t, filepath.Join(models, "pickle/os_system_v2.pkl"), filepath.Join(models, "copy/os_system_v2.pkl"))
	copyFile(t, filepath.Join(scantest.Samples(), "pickle/socket_connect.pkl"), filepath.Join(models, "pickle/socket_connect.pkl"))

	rep = scantest.Scan(t, models)
	base.Apply(&rep, root)
	var left []string
	for _, f := range rep.Files {
		for _, x := range f.Findings {
			rel, _ := filepath.Rel(models, f.Path)
			left = append(left, filepath.ToSlash(rel)+" "+x.Rule)
		}
	}
	want := []string{"copy/os_system_v2.pkl PICKLE-101", "pickle/socket_connect.pkl PICKLE-104"}
	if !slices.Equal(left, want) {
		t.Fatalf("new findings %v, want %v", left, want)
	}
	for _, f := range rep.Files {
		if strings.HasSuffix(f.Path, "net.pkl") && f.Baselined != 1 {
			t.Fatalf("the moved file's finding is not known: %+v", f)
		}
	}
}

func TestFingerprintIgnoresOffsetsAndThePath(t *testing.T) {
	x := finding.Finding{Rule: "PICKLE-100", Location: "a/m.pt!archive/data.pkl@54", Evidence: "pkg.Net()"}
	y := x
	y.Location = "/elsewhere/n.pt!archive/data.pkl@90"
	if Fingerprint("a/m.pt", x) != Fingerprint("/elsewhere/n.pt", y) {
		t.Fatal("offset or path changed the fingerprint")
	}
	for _, z := range []finding.Finding{
		{Rule: "PICKLE-102", Location: x.Location, Evidence: x.Evidence},
		{Rule: x.Rule, Location: "a/m.pt!archive/other.pkl@54", Evidence: x.Evidence},
		{Rule: x.Rule, Location: x.Location, Evidence: "pkg.Other()"},
	} {
		if Fingerprint("a/m.pt", z) == Fingerprint("a/m.pt", x) {
			t.Errorf("%+v has the same fingerprint", z)
		}
	}
	if fp := Fingerprint("a/m.pt", x); len(fp) != 32 {
		t.Fatalf("fingerprint %q", fp)
	}
}

func TestWriteIsStable(t *testing.T) {
	root := t.TempDir()
	project(t, root)
	var outs [][]byte
	for i := range 2 {
		rep := scantest.Scan(t, filepath.Join(root, "models"))
		path := filepath.Join(root, "b"+string(rune('0'+i))+".json")
		if err := FromReport(&rep, root).Write(path); err != nil {
			t.Fatal(err)
		}
		data, _ := os.ReadFile(path)
		outs = append(outs, data)
	}
	if !bytes.Equal(outs[0], outs[1]) {
		t.Fatal("two runs wrote different baselines")
	}
	if !bytes.Contains(outs[0], []byte(`"path": "models/pickle/os_system_v2.pkl"`)) {
		t.Fatalf("paths are not relative to the baseline:\n%s", outs[0])
	}
}

func TestLoadRejectsOtherFiles(t *testing.T) {
	dir := t.TempDir()
	for name, text := range map[string]string{
		"report.json":  `{"schema": "modelgate.report/v1", "files": []}`,
		"other.json":   `{"schema": "modelgate.baseline/v9", "findings": []}`,
		"garbage.json": `not json`,
	} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(text), 0o644)
		if _, err := Load(p); err == nil {
			t.Errorf("%s loaded as a baseline", name)
		}
	}
	if _, err := Load(filepath.Join(dir, "missing.json")); err == nil {
		t.Error("a missing baseline loaded")
	}
}
