package engine

import "testing"

func TestPrintable(t *testing.T) {
	for in, want := range map[string]string{
		"WriteFile 'w': \"/root/.ssh/authorized_keys\"": "WriteFile 'w': \"/root/.ssh/authorized_keys\"",
		"node '\x1b[2Jclear'":                           `node '\x1b[2Jclear'`,
		"bad \xff byte, é kept":                         `bad \xff byte, é kept`,
		"line\nbreak":                                   `line\x0abreak`,
	} {
		if got := printable(in); got != want {
			t.Errorf("printable(%q) = %q, want %q", in, got, want)
		}
	}
}
