package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// walkthroughBlock is the README's shell walk-through: the ```sh block
// after the <!-- walkthrough --> marker.
var walkthroughBlock = regexp.MustCompile("(?s)<!-- walkthrough -->\\s*```sh\\n(.*?)```")

// walkthrough returns the README's walk-through script.
func walkthrough(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("needs bash")
	}
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	m := walkthroughBlock.FindSubmatch(readme)
	require.NotNil(t, m, "README.md has a ```sh block after <!-- walkthrough -->")
	return string(m[1])
}

// runWalkthrough runs the script with bash -euo pipefail from the root of
// the repository, as the README says, with path as PATH and a TMPDIR of
// its own; it returns the output, the TMPDIR and the error.
func runWalkthrough(t *testing.T, script, path string) (string, string, error) {
	t.Helper()
	tmp := t.TempDir()
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	cmd := exec.Command("bash", "-euo", "pipefail", "-c", script)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "PATH="+path, "TMPDIR="+tmp)
	out, err := cmd.CombinedOutput()
	return string(out), tmp, err
}

// pathWithout returns $PATH without the directories that hold an opentok
// command, so that the walk-through has to build its own.
func pathWithout(t *testing.T) string {
	var keep []string
	for _, dir := range filepath.SplitList(os.Getenv("PATH")) {
		if _, err := os.Stat(filepath.Join(dir, "opentok")); err == nil {
			continue
		}
		keep = append(keep, dir)
	}
	return strings.Join(keep, string(os.PathListSeparator))
}

// fakeOpentok puts an opentok command with the given shell body on a
// fresh directory and returns the PATH with it first.
func fakeOpentok(t *testing.T, body string) string {
	bin := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(bin, "opentok"), []byte("#!/bin/sh\n"+body+"\n"), 0o755))
	return bin + string(os.PathListSeparator) + pathWithout(t)
}

// TestREADMEWalkthrough runs the README's walk-through with bash -euo
// pipefail: once with this test binary as the opentok command on PATH, and
// once with no opentok on PATH, when the script builds the CLI itself.
func TestREADMEWalkthrough(t *testing.T) {
	script := walkthrough(t)
	self, err := filepath.Abs(os.Args[0])
	require.NoError(t, err)
	for name, path := range map[string]string{
		"the CLI on PATH":     fakeOpentok(t, "OPENTOK_CLI_AS_MAIN=1 exec '"+self+"' \"$@\""),
		"the CLI not on PATH": pathWithout(t),
	} {
		t.Run(name, func(t *testing.T) {
			if testing.Short() && name == "the CLI not on PATH" {
				t.Skip("builds the CLI")
			}
			text, tmp, err := runWalkthrough(t, script, path)
			require.NoError(t, err, "the walk-through fails:\n%s", text)
			checkWalkthroughOutput(t, text, tmp)
			if name == "the CLI not on PATH" {
				_, err := os.Stat(filepath.Join(tmp, "opentok-cli", "opentok"))
				assert.NoError(t, err, "the script built the CLI under $TMPDIR")
			}
		})
	}
}

func checkWalkthroughOutput(t *testing.T, text, tmp string) {
	t.Helper()
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
	files, err := filepath.Glob(filepath.Join(tmp, "*", "walkthrough.mp4"))
	require.NoError(t, err)
	require.Len(t, files, 1, "the download landed in the scratch directory")
	info, err := os.Stat(files[0])
	require.NoError(t, err)
	assert.Positive(t, info.Size())
	assert.True(t, strings.Contains(ids["session"].FindStringSubmatch(text)[1], "_MX"), text)
}

// The walk-through's wait for the emulator is bounded: an emulator that
// exits, or one that never prints its address, ends the script with a
// message instead of a loop that spins forever.
func TestREADMEWalkthroughWaitIsBounded(t *testing.T) {
	script := walkthrough(t)
	t.Run("the emulator exits", func(t *testing.T) {
		t.Parallel()
		start := time.Now()
		text, _, err := runWalkthrough(t, script, fakeOpentok(t, "exit 3"))
		require.Error(t, err)
		assert.Contains(t, text, "the emulator exited")
		assert.Less(t, time.Since(start), 10*time.Second)
	})
	t.Run("the emulator never answers", func(t *testing.T) {
		if testing.Short() {
			t.Skip("waits the 10 s the walk-through allows")
		}
		t.Parallel()
		start := time.Now()
		text, _, err := runWalkthrough(t, script, fakeOpentok(t, `[ "$1" = emulator ] && exec sleep 60; exit 1`))
		require.Error(t, err)
		assert.Contains(t, text, "the emulator did not start")
		assert.Less(t, time.Since(start), 30*time.Second)
	})
}
