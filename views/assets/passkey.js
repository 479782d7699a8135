/*
 * The passkey ceremonies of Yihao's pages (the only script they run). A form marked
 * data-passkey="register" or "authenticate" with data-options="<url>": on submit the script asks
 * our server for the ceremony's options (POST, the form's CSRF token in x-csrf-token), lets the
 * browser create or use a passkey, puts the browser's answer in the form's `credential` field and
 * submits the form; the server decides and answers with a page, as for any form.
 */
(function () {
  'use strict';
  var lib = window.SimpleWebAuthnBrowser;

  function show(form, on) {
    var status = form.querySelector('[data-passkey-status]');
    if (status) status.hidden = !on;
  }

  function ceremony(form) {
    var csrf = form.querySelector('input[name="_csrf"]').value;
    return fetch(form.getAttribute('data-options'), {
      method: 'POST', credentials: 'same-origin', headers: { 'x-csrf-token': csrf, accept: 'application/json' },
    }).then(function (res) {
      if (!res.ok) throw new Error('options ' + res.status);
      return res.json();
    }).then(function (optionsJSON) {
      return form.getAttribute('data-passkey') === 'register'
        ? lib.startRegistration({ optionsJSON: optionsJSON })
        : lib.startAuthentication({ optionsJSON: optionsJSON });
    });
  }

  var forms = document.querySelectorAll('form[data-passkey]');
  for (var i = 0; i < forms.length; i++) {
    (function (form) {
      if (!lib || !lib.browserSupportsWebAuthn()) {
        var unsupported = form.querySelector('[data-passkey-unsupported]');
        if (unsupported) unsupported.hidden = false;
        var button = form.querySelector('button[type="submit"]');
        if (button) button.disabled = true;
        return;
      }
      form.addEventListener('submit', function (event) {
        event.preventDefault();
        var submit = form.querySelector('button[type="submit"]');
        submit.disabled = true;
        show(form, false);
        ceremony(form).then(function (result) {
          form.querySelector('input[name="credential"]').value = JSON.stringify(result);
          form.submit();
        }, function () {
          submit.disabled = false;
          show(form, true);
        });
      });
    })(forms[i]);
  }
})();
