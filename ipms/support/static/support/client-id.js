// 在线客服: the id a client gives each message it sends (chat.js and desk.js), so that a
// message sent again after a reconnect is stored once. A version-4 UUID, from
// crypto.randomUUID where the browser has it (secure contexts), else from random bytes.
(function () {
  "use strict";
  window.ipmsSupportClientId = function () {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
  };
})();
