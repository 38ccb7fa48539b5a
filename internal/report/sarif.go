package report

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"

	"github.com/modelgate/modelgate/internal/finding"
	"github.com/modelgate/modelgate/internal/rules"
)

// InformationURI is where people learn about the tool.
const InformationURI = "https://github.com/modelgate/modelgate"

// securitySeverity maps severities onto GitHub code scanning's 0–10 scale.
var securitySeverity = map[finding.Severity]string{
	finding.Critical: "9.5", finding.High: "8.0", finding.Medium: "5.5", finding.Low: "3.0", finding.Info: "0.0",
}

func sarifLevel(f finding.Finding) string {
	switch {
	case f.Class == finding.Malicious:
		return "error"
	case f.Class == finding.Suspicious:
		return "warning"
	}
	return "note"
}

// writeSARIF renders SARIF 2.1.0 for code-scanning upload: the rules used,
// with their pages as help, and one result per finding located at the file.
func writeSARIF(w io.Writer, r *finding.Report, _ Options) error {
	doc, err := BuildSARIF(r)
	if err != nil {
		return err
	}
	return doc.PrettyWrite(w)
}

// BuildSARIF converts a report to a SARIF document.
func BuildSARIF(r *finding.Report) (*sarif.Report, error) {
	doc := sarif.NewReport()
	run := sarif.NewRunWithInformationURI(r.Tool.Name, InformationURI)
	run.Tool.Driver.WithVersion(r.Tool.Version).WithSemanticVersion(r.Tool.Version)
	for _, f := range r.Files {
		for _, x := range f.Findings {
			addRule(run, x.Rule)
		}
		for _, x := range f.Suppressed {
			addRule(run, x.Rule)
		}
	}
	notices := []*sarif.Notification{}
	var decisions []map[string]string
	for _, f := range r.Files {
		uri := fileURI(f.Path)
		for _, x := range f.Findings {
			addResult(run, f.Path, uri, x)
		}
		// Set-aside findings stay visible as suppressed results, which code
		// scanning shows as dismissed, with the reason.
		for _, x := range f.Suppressed {
			addResult(run, f.Path, uri, x.Finding).AddSuppression(sarif.NewSuppression().
				WithKind("external").WithStatus("accepted").WithJustification(x.By + ": " + x.Reason))
		}
		for _, e := range f.Errors {
			notices = append(notices, toolNotice(uri, e))
		}
		if d := f.Decision; d != nil {
			decisions = append(decisions, map[string]string{"path": f.Path, "action": string(d.Action), "rule": d.Rule, "message": d.Message})
		}
	}
	if decisions != nil {
		run.WithProperties(sarif.NewPropertyBag().Add("modelgate/decisions", decisions))
	}
	// One invocation: successful unless some file could not be analysed.
	run.Invocations = []*sarif.Invocation{sarif.NewInvocation().WithExecutionSuccessful(len(notices) == 0).
		WithToolExecutionNotifications(notices)}
	doc.AddRun(run)
	return doc, nil
}

// addResult records one finding of the file at path.
func addResult(run *sarif.Run, path, uri string, x finding.Finding) *sarif.Result {
	res := run.CreateResultForRule(x.Rule).
		WithLevel(sarifLevel(x)).
		WithMessage(sarif.NewTextMessage(sarifMessage(x)))
	loc := sarif.NewPhysicalLocation().WithArtifactLocation(sarif.NewSimpleArtifactLocation(uri))
	res.AddLocation(sarif.NewLocationWithPhysicalLocation(loc).
		WithLogicalLocations([]*sarif.LogicalLocation{sarif.NewLogicalLocation().WithFullyQualifiedName(x.Location).WithKind("member")}))
	res.WithPartialFingerprints(map[string]string{"modelgate/v1": fingerprint(path, x)})
	props := sarif.NewPropertyBag().Add("class", string(x.Class)).Add("severity", x.Severity.String()).Add("location", x.Location)
	if x.Evidence != "" {
		props.Add("evidence", x.Evidence)
	}
	return res.WithProperties(props)
}

func addRule(run *sarif.Run, id string) {
	if run.GetRuleIndex(id) >= 0 {
		return
	}
	rule, ok := rules.Lookup(id)
	if !ok {
		return
	}
	d := run.AddRule(id).
		WithName(strings.ReplaceAll(rules.Family(id), "-", "") + strings.ReplaceAll(id[len(rules.Family(id)):], "-", "")).
		WithDescription(rule.Title).
		WithFullDescription(sarif.NewMultiformatMessageString().WithText(rule.Overview)).
		WithMarkdownHelp(rule.Markdown()).
		WithHelpURI(ruleURL(id))
	level := "note"
	switch rule.Class {
	case finding.Malicious:
		level = "error"
	case finding.Suspicious:
		level = "warning"
	}
	d.WithDefaultConfiguration(sarif.NewReportingConfiguration().WithLevel(level))
	tags := []string{"security", "ml-model", strings.ToLower(rules.Family(id))}
	for _, ref := range rule.References {
		if strings.HasPrefix(ref, "CVE-") || strings.HasPrefix(ref, "GHSA-") {
			tags = append(tags, ref)
		}
	}
	d.WithProperties(sarif.NewPropertyBag().Add("security-severity", securitySeverity[rule.Severity]).WithTags(tags))
}

func sarifMessage(f finding.Finding) string {
	msg := f.Title + ": " + f.Message + " (at " + f.Location + ")"
	if f.Evidence != "" {
		msg += ". Evidence: " + f.Evidence
	}
	return msg
}

// fileURI makes a relative URI for SARIF consumers (repository-relative
// paths are what code scanning expects).
func fileURI(p string) string {
	p = filepath.ToSlash(p)
	p = strings.TrimPrefix(p, "./")
	u := url.URL{Path: p}
	return u.EscapedPath()
}

func fingerprint(path string, f finding.Finding) string {
	h := sha256.Sum256([]byte(f.Rule + "\x00" + strings.TrimPrefix(f.Location, path) + "\x00" + f.Evidence))
	return hex.EncodeToString(h[:16])
}

func toolNotice(uri, msg string) *sarif.Notification {
	return sarif.NewNotification().WithLevel("error").WithMessage(sarif.NewTextMessage(msg)).
		WithLocations([]*sarif.Location{sarif.NewLocationWithPhysicalLocation(
			sarif.NewPhysicalLocation().WithArtifactLocation(sarif.NewSimpleArtifactLocation(uri)))})
}
