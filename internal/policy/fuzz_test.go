package policy

import "testing"

// FuzzParse feeds arbitrary configuration text through parsing,
// validation and CEL compilation: errors are fine, panics are not.
func FuzzParse(f *testing.F) {
	f.Add(Starter)
	f.Add([]byte(fullConfig))
	f.Add([]byte("safe_mode: true\n"))
	f.Add([]byte("policies:\n  - name: a\n    when: |\n      finding.rule == \"PICKLE-101\" &&\n        file.path.glob(\"**\")\n    action: block\n    message: m\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if c, err := Parse("fuzz.yaml", data); err == nil {
			_, _ = New(c, Options{})
		}
	})
}
