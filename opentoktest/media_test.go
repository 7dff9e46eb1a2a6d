package opentoktest

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opentok-go/opentok"
)

// download fetches an archive's URL and checks it against the size and
// checksum the archive reports.
func download(t *testing.T, a *opentok.Archive, contentType string) []byte {
	t.Helper()
	code, h, body := get(t, a.URL)
	require.Equal(t, 200, code)
	assert.Equal(t, contentType, h.Get("Content-Type"))
	data := []byte(body)
	sum := sha256.Sum256(data)
	assert.Equal(t, a.Size, int64(len(data)), "the reported size is the file's")
	assert.Equal(t, hex.EncodeToString(sum[:]), a.Sha256Sum, "the reported sha256sum is the file's")
	return data
}

// boxes splits ISO-BMFF data into its boxes, failing on a size that does
// not fit.
func boxes(t *testing.T, data []byte) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for len(data) > 0 {
		require.GreaterOrEqual(t, len(data), 8)
		size := binary.BigEndian.Uint32(data)
		require.GreaterOrEqual(t, size, uint32(8))
		require.LessOrEqual(t, int(size), len(data), "a box runs past the end")
		typ := string(data[4:8])
		out[typ] = data[8:size]
		data = data[size:]
	}
	return out
}

// ebmlElement is one element of an EBML tree walk.
type ebmlElement struct {
	id   uint64
	data []byte
}

// readEBML splits EBML data into its top-level elements, checking every
// ID and size vint and that the sizes add up exactly.
func readEBML(t *testing.T, data []byte) []ebmlElement {
	t.Helper()
	vint := func(keepMarker bool) uint64 {
		require.NotEmpty(t, data)
		width := 1
		for width <= 8 && data[0]&(0x80>>(width-1)) == 0 {
			width++
		}
		require.LessOrEqual(t, width, 8, "a vint marker")
		require.GreaterOrEqual(t, len(data), width)
		v := uint64(data[0])
		if !keepMarker {
			v &^= 0x80 >> (width - 1)
		}
		for _, b := range data[1:width] {
			v = v<<8 | uint64(b)
		}
		data = data[width:]
		return v
	}
	var out []ebmlElement
	for len(data) > 0 {
		id := vint(true)
		size := vint(false)
		require.LessOrEqual(t, size, uint64(len(data)), "element %x runs past its parent", id)
		out = append(out, ebmlElement{id: id, data: data[:size]})
		data = data[size:]
	}
	return out
}

func child(t *testing.T, els []ebmlElement, id uint64) []byte {
	t.Helper()
	for _, e := range els {
		if e.id == id {
			return e.data
		}
	}
	t.Fatalf("no element %x", id)
	return nil
}

func TestComposedArchiveIsAnMP4(t *testing.T) {
	srv := NewServer(t)
	ot := srv.Client()
	ctx := context.Background()
	sid := routedSession(t, ot)
	c, err := srv.Connect(sid, token(t, ot, sid, nil))
	require.NoError(t, err)
	_, err = c.Publish(PublishOptions{Name: "cam"})
	require.NoError(t, err)
	a, err := ot.StartArchive(ctx, sid, nil)
	require.NoError(t, err)
	srv.Advance(7 * time.Second)
	stopped, err := ot.StopArchive(ctx, a.ID)
	require.NoError(t, err)
	assert.Empty(t, stopped.Sha256Sum, "no checksum before the file is available")
	assert.Positive(t, stopped.Size)
	code, _, _ := get(t, srv.URL+"/_media/archive/"+a.ID+"/archive.mp4")
	assert.Equal(t, 404, code, "not downloadable before it is available")
	srv.Advance(5 * time.Second)
	got, err := ot.GetArchive(ctx, a.ID)
	require.NoError(t, err)
	require.Equal(t, opentok.ArchiveAvailable, got.Status)
	assert.Equal(t, stopped.Size, got.Size)
	assert.Equal(t, 7*time.Second, got.Duration)

	data := download(t, got, "video/mp4")
	top := boxes(t, data)
	assert.Equal(t, "isom", string(top["ftyp"][:4]), "major brand")
	assert.Equal(t, "isomiso2mp41", string(top["ftyp"][8:]), "compatible brands")
	moov := boxes(t, top["moov"])
	mvhd := moov["mvhd"]
	require.Len(t, mvhd, 100, "a version-0 mvhd")
	assert.Equal(t, uint32(1000), binary.BigEndian.Uint32(mvhd[12:]), "timescale")
	assert.Equal(t, uint32(7000), binary.BigEndian.Uint32(mvhd[16:]), "duration in ms")
	created := time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(binary.BigEndian.Uint32(mvhd[4:])) * time.Second)
	assert.WithinDuration(t, got.CreatedAt, created, time.Second)
	assert.Equal(t, "opentoktest archive "+a.ID, string(top["free"]))
	assert.Equal(t, data, download(t, got, "video/mp4"), "the same bytes every time")

	code, _, _ = get(t, srv.URL+"/_media/archive/"+a.ID+"/archive.zip")
	assert.Equal(t, 404, code, "only the archive's own file name")
	require.NoError(t, ot.DeleteArchive(ctx, a.ID))
	code, _, _ = get(t, got.URL)
	assert.Equal(t, 404, code, "a deleted archive is gone")
	code, _, _ = get(t, srv.URL+"/_media/archive/unknown/archive.mp4")
	assert.Equal(t, 404, code)

	ffprobe(t, "archive.mp4", data)
}

func TestIndividualArchiveIsAZipWithTheManifest(t *testing.T) {
	for _, vonage := range []bool{false, true} {
		var opts []Option
		if vonage {
			opts = append(opts, WithVonage())
		}
		srv := NewServer(t, opts...)
		ot := srv.Client()
		ctx := context.Background()
		sid := routedSession(t, ot)
		ann, err := srv.Connect(sid, token(t, ot, sid, &opentok.TokenOptions{Data: "name=Ann"}))
		require.NoError(t, err)
		bob, err := srv.Connect(sid, token(t, ot, sid, &opentok.TokenOptions{Data: "name=Bob"}))
		require.NoError(t, err)
		cam, err := ann.Publish(PublishOptions{Name: "cam"})
		require.NoError(t, err)
		mic, err := bob.Publish(PublishOptions{Name: "mic", VideoType: "none"})
		require.NoError(t, err)

		a, err := ot.StartArchive(ctx, sid, &opentok.ArchiveOptions{Name: "individual", OutputMode: opentok.OutputIndividual})
		require.NoError(t, err)
		srv.Advance(2 * time.Second)
		screen, err := ann.Publish(PublishOptions{Name: "share", VideoType: "screen"})
		require.NoError(t, err)
		srv.Advance(3 * time.Second)
		require.NoError(t, bob.Unpublish(mic))
		srv.Advance(4 * time.Second)
		_, err = ot.StopArchive(ctx, a.ID)
		require.NoError(t, err)
		require.True(t, srv.CompleteArchive(a.ID))
		got, err := ot.GetArchive(ctx, a.ID)
		require.NoError(t, err)
		assert.Equal(t, "archive.zip", filepath.Base(got.URL))

		data := download(t, got, "application/zip")
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		require.NoError(t, err)
		files := map[string][]byte{}
		var names []string
		for _, f := range zr.File {
			rc, err := f.Open()
			require.NoError(t, err)
			var buf bytes.Buffer
			_, err = buf.ReadFrom(rc)
			require.NoError(t, err)
			rc.Close()
			files[f.Name] = buf.Bytes()
			names = append(names, f.Name)
		}
		assert.Equal(t, []string{"manifest.json", cam + ".webm", mic + ".webm", screen + ".webm"}, names)

		m, err := opentok.ParseArchiveManifest(files["manifest.json"])
		require.NoError(t, err)
		assert.Equal(t, a.ID, m.ID)
		assert.Equal(t, sid, m.SessionID)
		assert.Equal(t, "individual", m.Name)
		assert.WithinDuration(t, got.CreatedAt, m.CreatedAt, time.Millisecond)
		var raw map[string]any
		require.NoError(t, json.Unmarshal(files["manifest.json"], &raw))
		if vonage {
			assert.Equal(t, srv.ApplicationID, raw["applicationId"])
			assert.NotContains(t, raw, "partnerId")
		} else {
			assert.Equal(t, srv.APIKey, m.ProjectID)
			assert.Equal(t, float64(47000000), raw["partnerId"], "a number, as in the platform's manifest")
		}
		want := []opentok.ArchiveManifestFile{
			{StreamID: cam, Filename: cam + ".webm", StartTimeOffset: 0, StopTimeOffset: 9 * time.Second, VideoType: "camera", ConnectionData: "name=Ann"},
			{StreamID: mic, Filename: mic + ".webm", StartTimeOffset: 0, StopTimeOffset: 5 * time.Second, ConnectionData: "name=Bob"},
			{StreamID: screen, Filename: screen + ".webm", StartTimeOffset: 2 * time.Second, StopTimeOffset: 9 * time.Second, VideoType: "screen", ConnectionData: "name=Ann"},
		}
		require.Len(t, m.Files, len(want))
		for i, f := range m.Files {
			assert.Equal(t, int64(len(files[f.Filename])), f.Size, "the manifest's size is the file's")
			want[i].Size = f.Size
			// The fake's clock also runs in real time between the steps.
			assert.InDelta(t, want[i].StartTimeOffset, f.StartTimeOffset, float64(time.Second/2), f.StreamID)
			assert.InDelta(t, want[i].StopTimeOffset, f.StopTimeOffset, float64(time.Second/2), f.StreamID)
			want[i].StartTimeOffset, want[i].StopTimeOffset = f.StartTimeOffset, f.StopTimeOffset
			assert.Equal(t, want[i], f)

			// Each file is a well-formed WebM: the EBML header, then a
			// Segment whose elements add up, with the stream's tracks.
			top := readEBML(t, files[f.Filename])
			require.Len(t, top, 2)
			require.Equal(t, uint64(0x1A45DFA3), top[0].id)
			assert.Equal(t, "webm", string(child(t, readEBML(t, top[0].data), 0x4282)))
			require.Equal(t, uint64(0x18538067), top[1].id)
			seg := readEBML(t, top[1].data)
			info := readEBML(t, child(t, seg, 0x1549A966))
			assert.Equal(t, f.StreamID, string(child(t, info, 0x7BA9)))
			var tracks []string
			for _, tr := range readEBML(t, child(t, seg, 0x1654AE6B)) {
				tracks = append(tracks, string(child(t, readEBML(t, tr.data), 0x86)))
			}
			if f.StreamID == mic {
				assert.Equal(t, []string{"A_OPUS"}, tracks, "audio only")
			} else {
				assert.Equal(t, []string{"V_VP8", "A_OPUS"}, tracks)
			}
			ffprobe(t, f.Filename, files[f.Filename])
		}
	}
}

func TestManualIndividualArchiveHoldsTheStreamsAdded(t *testing.T) {
	srv := NewServer(t)
	ot := srv.Client()
	ctx := context.Background()
	sid := routedSession(t, ot)
	c, err := srv.Connect(sid, token(t, ot, sid, nil))
	require.NoError(t, err)
	one, err := c.Publish(PublishOptions{Name: "one"})
	require.NoError(t, err)
	_, err = c.Publish(PublishOptions{Name: "two"})
	require.NoError(t, err)
	a, err := ot.StartArchive(ctx, sid, &opentok.ArchiveOptions{OutputMode: opentok.OutputIndividual, StreamMode: opentok.StreamModeManual})
	require.NoError(t, err)
	srv.Advance(time.Second)
	noVideo := false
	require.NoError(t, ot.AddArchiveStream(ctx, a.ID, one, &opentok.StreamMediaOptions{HasVideo: &noVideo}))
	srv.Advance(2 * time.Second)
	require.NoError(t, ot.RemoveArchiveStream(ctx, a.ID, one))
	srv.Advance(time.Second)
	require.NoError(t, ot.AddArchiveStream(ctx, a.ID, one, nil))
	srv.Advance(time.Second)
	_, err = ot.StopArchive(ctx, a.ID)
	require.NoError(t, err)
	srv.Advance(time.Minute)
	got, err := ot.GetArchive(ctx, a.ID)
	require.NoError(t, err)

	data := download(t, got, "application/zip")
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	require.NoError(t, err)
	require.Len(t, zr.File, 2, "the manifest and the one stream added")
	rc, err := zr.File[0].Open()
	require.NoError(t, err)
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(rc)
	m, err := opentok.ParseArchiveManifest(buf.Bytes())
	require.NoError(t, err)
	require.Len(t, m.Files, 1)
	assert.Equal(t, one, m.Files[0].StreamID)
	assert.InDelta(t, time.Second, m.Files[0].StartTimeOffset, float64(time.Second/2), "from the first add")
	assert.InDelta(t, 5*time.Second, m.Files[0].StopTimeOffset, float64(time.Second/2), "to the stop, after being added again")
}

func TestArchiveWithoutStreamsStillHasAFile(t *testing.T) {
	srv := NewServer(t)
	ot := srv.Client()
	ctx := context.Background()
	sid := routedSession(t, ot)
	_, err := srv.Connect(sid, token(t, ot, sid, nil))
	require.NoError(t, err)
	a, err := ot.StartArchive(ctx, sid, &opentok.ArchiveOptions{OutputMode: opentok.OutputIndividual})
	require.NoError(t, err)
	_, err = ot.StopArchive(ctx, a.ID)
	require.NoError(t, err)
	require.True(t, srv.CompleteArchive(a.ID))
	got, err := ot.GetArchive(ctx, a.ID)
	require.NoError(t, err)
	data := download(t, got, "application/zip")
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	require.NoError(t, err)
	require.Len(t, zr.File, 1)
	rc, err := zr.File[0].Open()
	require.NoError(t, err)
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(rc)
	m, err := opentok.ParseArchiveManifest(buf.Bytes())
	require.NoError(t, err)
	assert.Empty(t, m.Files)
	assert.Contains(t, buf.String(), `"files": []`, "an empty list, not null")
}

// ffprobe checks that ffprobe, when the machine has it, reads the file.
func ffprobe(t *testing.T, name string, data []byte) {
	t.Helper()
	bin, err := exec.LookPath("ffprobe")
	if err != nil {
		t.Log("ffprobe not installed: media tool check skipped")
		return
	}
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, data, 0o600))
	out, err := exec.Command(bin, "-v", "error", "-show_format", path).CombinedOutput()
	assert.NoError(t, err, "ffprobe %s: %s", name, out)
	assert.Contains(t, string(out), "format_name=", "%s", out)
}

func TestEBMLSizesAndResolutions(t *testing.T) {
	for _, c := range []struct {
		n    int
		size []byte
	}{
		{0, []byte{0x80}},
		{126, []byte{0xFE}},
		{127, []byte{0x40, 0x7F}}, // 0xFF is reserved in one byte
		{16382, []byte{0x7F, 0xFE}},
		{16383, []byte{0x20, 0x3F, 0xFF}},
	} {
		el := ebml(0xEC, make([]byte, c.n)) // a Void element
		assert.Equal(t, append([]byte{0xEC}, c.size...), el[:1+len(c.size)], "size %d", c.n)
		assert.Len(t, el, 1+len(c.size)+c.n)
	}
	assert.Equal(t, []byte{0x1A, 0x45, 0xDF, 0xA3, 0x80}, ebml(0x1A45DFA3), "a 4-byte ID")
	assert.Equal(t, []byte{0x42, 0x86, 0x81, 0x01}, ebmlUint(0x4286, 1))
	assert.Equal(t, []byte{0xE7, 0x81, 0x00}, ebmlUint(0xE7, 0), "zero takes one byte")

	for res, want := range map[string][2]uint64{"1280x720": {1280, 720}, "480x640": {480, 640}} {
		w, h, ok := parseResolution(res)
		assert.True(t, ok, res)
		assert.Equal(t, want, [2]uint64{w, h})
	}
	for _, bad := range []string{"", "640", "x480", "640x", "axb", "-1x2"} {
		_, _, ok := parseResolution(bad)
		assert.False(t, ok, bad)
	}
	// A WebM for an unknown resolution falls back to 640x480.
	els := readEBML(t, streamWebM(&recordedStream{streamID: "s", hasVideo: true}, ""))
	seg := readEBML(t, els[1].data)
	track := readEBML(t, readEBML(t, child(t, seg, 0x1654AE6B))[0].data)
	videoEl := readEBML(t, child(t, track, 0xE0))
	assert.Equal(t, []byte{0x02, 0x80}, child(t, videoEl, 0xB0), "width 640")
	assert.Equal(t, []byte{0x01, 0xE0}, child(t, videoEl, 0xBA), "height 480")
}
