// The corpus report's thread browser: pick a thread, read it as an indented tree.
// Every text goes into the page as text (textContent), never as HTML.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("threads-data").textContent);
  var pick = document.getElementById("thread-pick");
  var view = document.getElementById("thread-view");

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function plural(n, one, many) {
    return n + " " + (n === 1 ? one : many);
  }

  function meta(item) {
    var line = el("div", "meta");
    line.appendChild(el("span", "author", item.a || "unknown author"));
    if (item.u) line.appendChild(el("span", "badge", "uploader / OP"));
    if (item.t) line.appendChild(el("span", "time", item.t.charAt(0) === "~" ? "about " + item.t.slice(1) : item.t));
    if (item.l !== null && item.l !== undefined) line.appendChild(el("span", "likes", plural(item.l, "like", "likes")));
    (item.f || []).forEach(function (flag) {
      line.appendChild(el("span", "badge", flag));
    });
    return line;
  }

  function label(thread, index) {
    var kind = thread.why === "largest" ? "largest" : "sample";
    var name = thread.title || thread.id;
    if (name.length > 80) name = name.slice(0, 79) + "…";
    return (index + 1) + ". " + name + " (" + plural(thread.size, "reply", "replies") + ", " + kind + ")";
  }

  function show(index) {
    var thread = data[index];
    view.replaceChildren();
    var post = el("article", "post");
    post.appendChild(el("h3", null, thread.title || (thread.text === null ? "Post not in the corpus: " + thread.id : "(untitled post)")));
    if (thread.text !== null) {
      post.appendChild(meta(thread));
      if (thread.text) post.appendChild(el("div", "text", thread.text));
    }
    var counts = "Showing " + plural(thread.shown, "reply", "replies") + " of " + thread.size + ".";
    post.appendChild(el("p", "shown", counts));
    view.appendChild(post);

    var kids = { "-1": [], orphan: [] };
    thread.r.forEach(function (reply, i) {
      var key = reply.p === null ? "orphan" : String(reply.p);
      (kids[key] = kids[key] || []).push(i);
    });
    var tree = el("ul", "tree");
    view.appendChild(tree);
    // Depth first without recursion: deep threads do not exhaust the stack.
    var stack = [];
    var roots = kids["-1"].concat(kids.orphan);
    for (var r = roots.length - 1; r >= 0; r--) stack.push([roots[r], tree]);
    while (stack.length) {
      var top = stack.pop();
      var i = top[0];
      var reply = thread.r[i];
      var item = el("li", "reply");
      item.appendChild(meta(reply));
      if (reply.p === null) item.appendChild(el("div", "gap", "a reply to a comment not shown"));
      item.appendChild(el("div", "text", reply.x));
      top[1].appendChild(item);
      var children = kids[String(i)];
      if (children) {
        var list = el("ul", "tree");
        item.appendChild(list);
        for (var c = children.length - 1; c >= 0; c--) stack.push([children[c], list]);
      }
    }
  }

  data.forEach(function (thread, index) {
    var option = el("option", null, label(thread, index));
    option.value = String(index);
    pick.appendChild(option);
  });
  pick.addEventListener("change", function () {
    show(Number(pick.value));
  });
  if (data.length) {
    show(0);
  } else {
    pick.disabled = true;
    view.appendChild(el("p", "empty", "No thread to show."));
  }
  document.body.setAttribute("data-browser", "ready");
})();
