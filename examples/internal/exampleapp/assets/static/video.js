// Joins the session described by the #video element's data attributes with
// OpenTok.js: shows every stream in a tile of its own and, with
// data-publish="true", publishes the camera. With data-proxy-url set (the
// example runs offline) OpenTok.js talks to the built-in fake platform: it
// relays the signalling between the browsers, and the video goes from one
// browser to the other. The page stays usable when the library did not load
// (no internet): the status line says why there is no video.
(function () {
  'use strict';
  var box = document.getElementById('video');
  if (!box) {
    return;
  }
  var status = document.getElementById('video-status');
  var tiles = document.getElementById('tiles');
  function say(text, isError) {
    status.textContent = 'Video: ' + text;
    status.className = isError ? 'status error' : 'status';
  }
  function report(err) {
    if (err) {
      say(err.name + ': ' + err.message, true);
    }
  }

  if (typeof OT === 'undefined') {
    say('video client library not loaded (offline)', true);
    return;
  }
  var d = box.dataset;
  if (d.proxyUrl) {
    OT.setProxyUrl(d.proxyUrl);
  }
  var view = { insertMode: 'append', width: '100%', height: '100%' };
  var session = OT.initSession(d.appId, d.sessionId);
  var others = 0;

  // field reads "name" or "simulated" from connection data "name=Ann&...".
  function field(data, name) {
    var m = new RegExp('(?:^|&)' + name + '=([^&]*)').exec(data || '');
    return m ? decodeURIComponent(m[1]) : '';
  }
  function tile(id, label) {
    var t = document.createElement('div');
    t.className = 'tile subscriber';
    t.id = 'stream-' + id;
    var l = document.createElement('span');
    l.className = 'label';
    l.textContent = label;
    t.appendChild(l);
    tiles.appendChild(t);
    return t;
  }
  function count(delta) {
    others += delta;
    document.getElementById('nobody').hidden = others > 0;
  }

  session.on('streamCreated', function (event) {
    var data = event.stream.connection.data;
    var name = field(data, 'name') || event.stream.name || 'Someone';
    count(1);
    if (field(data, 'simulated') === 'true') {
      // A participant the offline example simulates: it has no media.
      tile(event.stream.streamId, name + ' (simulated: no video)');
      return;
    }
    var t = tile(event.stream.streamId, name);
    var holder = document.createElement('div');
    holder.className = 'fill';
    t.appendChild(holder);
    session.subscribe(event.stream, holder, view, report);
  });
  session.on('streamDestroyed', function (event) {
    var t = document.getElementById('stream-' + event.stream.streamId);
    if (t) {
      t.remove();
      count(-1);
    }
  });
  session.on('archiveStarted', function (event) {
    say('recording (archive ' + event.id + ')', false);
  });
  session.on('archiveStopped', function () {
    say('recording stopped', false);
  });
  session.on('sessionDisconnected', function (event) {
    say('disconnected (' + event.reason + ')', true);
  });
  session.connect(d.token, function (err) {
    if (err) {
      say('could not join the session: ' + err.message, true);
      return;
    }
    say(d.offline === 'true' ? 'connected to the built-in fake platform' : 'connected', false);
    if (d.publish === 'true') {
      var publisher = OT.initPublisher('publisher', view, report);
      publisher.on('streamCreated', function () {
        say(d.offline === 'true' ? 'publishing through the built-in fake platform' : 'publishing', false);
      });
      session.publish(publisher, report);
    }
  });
})();
