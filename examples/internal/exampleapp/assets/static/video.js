// Joins the session described by the #video element's data attributes with
// OpenTok.js: subscribes to every stream and, with data-publish="true",
// publishes the camera. The page stays usable when the library did not load
// (no internet) or when the example runs against the built-in fake platform,
// which carries no media: the status line says why there is no video.
(function () {
  'use strict';
  var box = document.getElementById('video');
  if (!box) {
    return;
  }
  var status = document.getElementById('video-status');
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
  if (d.offline === 'true') {
    say('not joining: the built-in fake platform has no media servers. ' +
        'Set credentials to join a real session.', false);
    return;
  }
  var view = { insertMode: 'append', width: '100%', height: '100%' };
  var session = OT.initSession(d.appId, d.sessionId);
  session.on('streamCreated', function (event) {
    session.subscribe(event.stream, 'subscribers', view, report);
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
    say('connected', false);
    if (d.publish === 'true') {
      session.publish(OT.initPublisher('publisher', view, report), report);
    }
  });
})();
