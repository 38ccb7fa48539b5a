// Package torch recognises PyTorch's archive layouts — the zip checkpoint of
// torch.save (and TorchScript archives) and the legacy tar checkpoint — and
// hands their pickles to the pickle analyzer with the right loading context.
// Every other member is sniffed by content, so a pickle hidden under a
// storage name is analysed too. Tensor bytes are never read beyond a sniff.
package torch

import (
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/modelgate/modelgate/internal/analyze"
	"github.com/modelgate/modelgate/internal/analyze/pickle"
)

// ZipLayout is torch.save's zip format (PyTorch ≥ 1.6) and TorchScript.
type ZipLayout struct{}

// Name implements analyze.Layout.
func (ZipLayout) Name() string { return "pytorch-zip" }

// root returns the archive's record prefix ("archive/"), found from its
// data.pkl, or false.
func root(members []analyze.Member) (string, bool) {
	for _, m := range members {
		if m.Name == "data.pkl" {
			return "", true
		}
		if dir, base := path.Split(m.Name); base == "data.pkl" && strings.Count(dir, "/") == 1 {
			return dir, true
		}
	}
	return "", false
}

// Match implements analyze.Layout.
func (ZipLayout) Match(container string, members []analyze.Member) bool {
	_, ok := root(members)
	return ok && container == "zip"
}

// Analyze implements analyze.Layout.
func (ZipLayout) Analyze(s analyze.Scope, members []analyze.Member) error {
	prefix, _ := root(members)
	var code []string
	for _, m := range members {
		if strings.HasPrefix(m.Name, prefix+"code/") && !strings.HasSuffix(m.Name, "/") {
			code = append(code, strings.TrimPrefix(m.Name, prefix))
		}
	}
	script := len(code) > 0
	if script {
		s.SetFormat("torchscript")
		sort.Strings(code)
		ev := code
		if len(ev) > 5 {
			ev = append(ev[:5:5], fmt.Sprintf("and %d more", len(code)-5))
		}
		s.Report(analyze.Hit{Rule: "TORCH-100",
			Message:  fmt.Sprintf("TorchScript archive with %d code file(s); the code runs at inference inside TorchScript's interpreter", len(code)),
			Evidence: strings.Join(ev, ", ")})
	}
	analyze.ScanMembers(s, members, func(m analyze.Member) string {
		if script && (strings.HasSuffix(m.Name, ".pkl") || strings.HasSuffix(m.Name, ".debug_pkl")) {
			// Every pickle of a TorchScript archive (data, constants, the
			// code's debug tables) is read by TorchScript's own unpickler.
			return pickle.HintTorchScript
		}
		if strings.TrimPrefix(m.Name, prefix) == "data.pkl" {
			return pickle.HintPickle
		}
		return ""
	})
	return nil
}

// TarLayout is PyTorch's legacy tar checkpoint (before 0.1.10).
type TarLayout struct{}

// Name implements analyze.Layout.
func (TarLayout) Name() string { return "pytorch-tar" }

var tarRecords = map[string]string{
	"sys_info": pickle.HintPickle,
	"pickle":   pickle.HintPickle,
	"storages": pickle.HintTorchStorages,
	"tensors":  pickle.HintTorchTensors,
}

// Match implements analyze.Layout.
func (TarLayout) Match(container string, members []analyze.Member) bool {
	if container != "tar" {
		return false
	}
	found := 0
	for _, m := range members {
		if _, ok := tarRecords[m.Name]; ok {
			found++
		}
	}
	return found >= 3
}

// Analyze implements analyze.Layout.
func (TarLayout) Analyze(s analyze.Scope, members []analyze.Member) error {
	s.Report(analyze.Hit{Rule: "TORCH-202", Message: "legacy PyTorch tar checkpoint (sys_info, pickle, storages, tensors)", Evidence: "pytorch-tar"})
	analyze.ScanMembers(s, members, func(m analyze.Member) string { return tarRecords[m.Name] })
	return nil
}
