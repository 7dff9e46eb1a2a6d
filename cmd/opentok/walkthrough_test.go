package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// walkthroughBlock is the README's shell walk-through: the ```sh block
// after the <!-- walkthrough --> marker.
var walkthroughBlock = regexp.MustCompile("(?s)<!-- walkthrough -->\\s*```sh\\n(.*?)```")

// TestREADMEWalkthrough runs the README's walk-through with bash -euo
// pipefail, with this test binary acting as the opentok command on PATH.
func TestREADMEWalkthrough(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("needs bash")
	}
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	m := walkthroughBlock.FindSubmatch(readme)
	require.NotNil(t, m, "README.md has a ```sh block after <!-- walkthrough -->")
	script := string(m[1])

	self, err := filepath.Abs(os.Args[0])
	require.NoError(t, err)
	bin := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(bin, "opentok"),
		[]byte("#!/bin/sh\nOPENTOK_CLI_AS_MAIN=1 exec '"+self+"' \"$@\"\n"), 0o755))
	work := t.TempDir()
	cmd := exec.Command("bash", "-euo", "pipefail", "-c", script)
	cmd.Dir = work
	cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "the walk-through fails:\n%s", out)

	text := string(out)
	ids := map[string]*regexp.Regexp{
		"session":    regexp.MustCompile(`(?m)^session (\S+)$`),
		"connection": regexp.MustCompile(`(?m)^connection (\S+)$`),
		"stream":     regexp.MustCompile(`(?m)^stream (\S+)$`),
		"archive":    regexp.MustCompile(`(?m)^archive (\S+)$`),
	}
	for name, re := range ids {
		m := re.FindStringSubmatch(text)
		require.NotNil(t, m, "the walk-through prints the %s ID:\n%s", name, text)
		assert.NotEmpty(t, m[1], name)
	}
	aid := ids["archive"].FindStringSubmatch(text)[1]
	assert.Regexp(t, `(?m)^Status:\s+available$`, text)
	assert.Contains(t, text, "/_media/archive/"+aid+"/", "archive get prints the download URL")
	assert.Contains(t, text, "walkthrough.mp4 (")
	info, err := os.Stat(filepath.Join(work, "walkthrough.mp4"))
	require.NoError(t, err)
	assert.Positive(t, info.Size())
	assert.True(t, strings.Contains(ids["session"].FindStringSubmatch(text)[1], "_MX"), text)
}
