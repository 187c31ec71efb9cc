use socketio::namespace;

struct Chat<'a>(&'a str);

#[namespace("/chat")]
impl<'a> Chat<'a> {}

fn main() {}
