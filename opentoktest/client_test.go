package opentoktest

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opentok-go/opentok"
)

func TestSubscriberCannotPublish(t *testing.T) {
	srv := NewServer(t)
	ot := srv.Client()
	sid := routedSession(t, ot)
	sub, err := srv.Connect(sid, token(t, ot, sid, &opentok.TokenOptions{Role: opentok.RoleSubscriber}))
	require.NoError(t, err)
	_, err = sub.Publish(PublishOptions{})
	assert.ErrorIs(t, err, ErrNotPermitted)
	pub, err := srv.Connect(sid, token(t, ot, sid, &opentok.TokenOptions{InitialLayoutClassList: []string{"focus"}}))
	require.NoError(t, err)
	id, err := pub.Publish(PublishOptions{Name: "cam"})
	require.NoError(t, err)
	st, ok := srv.Stream(id)
	require.True(t, ok)
	assert.Equal(t, opentok.VideoCamera, st.VideoType)
	assert.Equal(t, []string{"focus"}, st.LayoutClassList, "layout classes come from the token")
	pub.Disconnect()
	_, ok = srv.Stream(id)
	assert.False(t, ok, "a disconnect removes the client's streams")
	_, err = pub.Publish(PublishOptions{})
	assert.ErrorIs(t, err, ErrNotConnected)
}
