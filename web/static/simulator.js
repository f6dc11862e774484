// The WeChat simulator: sends what the resident types to /dev/wechat/send and shows the bot's reply.
(function () {
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const chat = document.getElementById("chat");
  const resident = document.getElementById("resident");
  const text = document.getElementById("text");

  function bubble(kind, content) {
    const item = document.createElement("li");
    item.className = kind;
    item.textContent = content;
    chat.appendChild(item);
    chat.scrollTop = chat.scrollHeight;
  }

  async function send(payload, shown) {
    if (!resident.value) return;
    if (shown) bubble("me", shown);
    payload.openid = resident.value;
    const answer = await fetch("send", {
      method: "POST", headers: {"Content-Type": "application/json", "X-CSRFToken": csrf},
      body: JSON.stringify(payload),
    });
    const data = await answer.json();
    if (data.error) bubble("note", data.error);
    else if (data.status !== 200) bubble("note", "公众号返回 " + data.status);
    else if (data.reply) bubble("bot", data.reply);
    loadPushes();
  }

  async function loadPushes() {
    const list = document.getElementById("pushes");
    const answer = await fetch("pushes?openid=" + encodeURIComponent(resident.value));
    const rows = await answer.json();
    list.replaceChildren(...rows.map(function (p) {
      const item = document.createElement("li");
      item.className = "push " + p.status;
      const status = document.createElement("strong");
      status.textContent = p.status_label + (p.sent ? " " + p.sent : "");
      const body = document.createElement("span");
      body.textContent = " " + p.kind + "：" + Object.values(p.data).join("，");
      item.append(status, body);
      if (p.url) {
        const link = document.createElement("a");
        link.href = p.url;
        link.textContent = " 详情";
        item.append(link);
      }
      return item;
    }));
    if (!rows.length) list.textContent = "还没有推送。";
  }

  document.getElementById("compose").addEventListener("submit", function (event) {
    event.preventDefault();
    const value = text.value.trim();
    if (value) send({text: value}, value);
    text.value = "";
  });
  document.getElementById("subscribe").addEventListener("click", function () {
    send({event: "subscribe"}, "（关注了公众号）");
  });
  document.getElementById("fill-bind").addEventListener("click", function () {
    text.value = resident.selectedOptions[0].dataset.bind;
    text.focus();
  });
  document.querySelectorAll(".menu-key").forEach(function (button) {
    button.addEventListener("click", function () {
      send({event: "CLICK", key: button.dataset.key}, "（点了菜单：" + button.textContent.trim() + "）");
    });
  });
  resident.addEventListener("change", function () { chat.replaceChildren(); loadPushes(); });
  if (resident.value) loadPushes();
  // The scheduler sends pushes every 10 seconds: show them change from 待发送 to 已送达.
  setInterval(function () { if (resident.value) loadPushes(); }, 4000);
}());
