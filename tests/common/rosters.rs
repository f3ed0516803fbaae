//! Rosters for the feed tests, written to cover what the iCalendar output
//! must get right: DST gaps and folds in four zones (New York, London,
//! Sydney and Lord Howe, whose shift is 30 minutes), a meeting that ends
//! inside a repeated hour, monthly (fifth-week and ordinary), every N
//! weeks, a pause, and an opted-out report.

/// Window over all of 2027: every DST change of the four zones in it.
pub const FROM: &str = "2027-01-01";
/// Weeks in the window.
pub const WEEKS: u32 = 53;

/// The DST roster.
pub const DST: &str = r#"
[defaults]
cadence = "weekly"
duration_minutes = 30
prompts_per_meeting = 2

[[managers]]
email = "ada@example.com"
name = "Ada Lovelace"
timezone = "America/New_York"
location = "https://meet.example.com/ada"

  [[managers.reports]]
  email = "grace@example.com"
  name = "Grace Hopper"
  start = "2027-01-03"
  time = "02:30"                   # 2027-03-14: does not exist

  [[managers.reports]]
  email = "alan@example.com"
  name = "Alan Turing"
  start = "2027-01-03"
  time = "01:30"                   # 2027-11-07: happens twice
  duration_minutes = 45

  [[managers.reports]]
  email = "katherine@example.com"
  name = "Katherine Johnson"
  start = "2027-01-03"
  time = "00:30"                   # 2027-11-07: ends inside the repeated hour
  duration_minutes = 90

[[managers]]
email = "edsger@example.com"
name = "Edsger Dijkstra"
timezone = "Europe/London"

  [[managers.reports]]
  email = "barbara@example.com"
  name = "Barbara Liskov"
  start = "2027-01-03"
  time = "01:30"                   # gap on 03-28, fold on 10-31

  [[managers.reports]]
  email = "donald@example.com"
  name = "Donald Knuth"
  start = "2027-01-05"
  time = "09:00"
  cadence = "every 3 weeks"
  paused_until = "2027-04-01"

  [[managers.reports]]
  email = "frances@example.com"
  name = "Frances Allen"
  start = "2027-01-05"
  opt_out = true

[[managers]]
email = "radia@example.com"
name = "Radia Perlman"
timezone = "Australia/Sydney"
time = "02:30"                     # fold on 04-04, gap on 10-03

  [[managers.reports]]
  email = "margaret@example.com"
  name = "Margaret Hamilton"
  start = "2027-01-03"

  [[managers.reports]]
  email = "leslie@example.com"
  name = "Leslie Lamport"
  start = "2027-01-29"             # a fifth Friday: the last Friday monthly
  cadence = "monthly"
  time = "16:00"
  duration_minutes = 60

  [[managers.reports]]
  email = "sophie@example.com"
  name = "Sophie Wilson"
  start = "2027-01-03"
  timezone = "Australia/Lord_Howe"
  time = "01:45"                   # 30-minute fold on 04-04

  [[managers.reports]]
  email = "linus@example.com"
  name = "Linus Torvalds"
  start = "2027-01-03"
  timezone = "Australia/Lord_Howe"
  time = "02:15"                   # 30-minute gap on 10-03
  cadence = "biweekly"

  [[managers.reports]]
  email = "john@example.com"
  name = "John Backus"
  start = "2027-01-12"             # second Tuesday monthly
  cadence = "monthly"
  time = "10:00"
"#;

/// Names, location and prompts that need escaping and folding (and a tab,
/// the one control character a roster may hold).
pub const ESCAPES: &str = r#"
[defaults]
cadence = "weekly"
time = "09:30"
duration_minutes = 30
timezone = "Europe/Paris"
prompts_per_meeting = 2

[[prompts]]
id = "punct"
text = "What's next; and then, what? A\\B path"

[[prompts]]
id = "lines"
text = "Two parts:\tfirst, then second"

[[prompts]]
id = "world"
text = "Qu'est-ce qui te donne de l'énergie ? 何があなたを元気にしますか？ 🎉🚀"

[[managers]]
email = "zoe@example.com"
name = "Zoë Ångström, PhD; \"Z\""
location = "Salle 3; bâtiment B, étage 2 — https://meet.example.com/zoë?x=1,2;3"

  [[managers.reports]]
  email = "mei@example.com"
  name = "李美 (Mei Li) \\ 🐉"
  start = "2027-03-01"
"#;
