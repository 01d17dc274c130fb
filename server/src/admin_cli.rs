//! `deskchat admin …`: the first admin, agents, groups and memberships from the shell, so a
//! real deployment needs no published password. Uses the server's database settings
//! (`--database-url`/`DATABASE_URL`, else the SQLite file in `--data-dir`), runs the
//! migrations, and does each change through the same use cases as the admin screens
//! (`app::ssr::admin`), its audit line naming the shell (no actor). Bad input exits with 2 and
//! says why; an unreachable database with 1.

use std::io::BufRead;
use std::path::Path;

use app::model::{AgentEntry, GroupId, NewAgent, Role};
use app::ssr::admin;
use app::ssr::auth::new_password;
use app::ssr::desk::{Clock, DeskError, SystemClock};
use app::ssr::store::{Actor, Store};
use clap::{Args, Subcommand, ValueEnum};

#[derive(Subcommand, Debug)]
pub enum AdminCommand {
    /// Create an admin (the first one of a new deployment, say).
    CreateAdmin(NewAgentArgs),
    /// Create an agent (`--role admin` for another admin).
    CreateAgent {
        #[command(flatten)]
        agent: NewAgentArgs,
        #[arg(long, value_enum, default_value_t = RoleArg::Agent)]
        role: RoleArg,
    },
    /// Create an assignment group.
    CreateGroup {
        /// The group's name, e.g. "Service Desk".
        #[arg(long)]
        name: String,
    },
    /// Add an agent to an assignment group.
    AddMember {
        #[arg(long)]
        email: String,
        #[arg(long)]
        group: String,
    },
    /// Make an agent a supervisor of an assignment group: they watch it and read its records
    /// (admins supervise every group).
    Supervise {
        #[arg(long)]
        email: String,
        #[arg(long)]
        group: String,
    },
    /// An agent no longer supervises an assignment group.
    StopSupervising {
        #[arg(long)]
        email: String,
        #[arg(long)]
        group: String,
    },
    /// Give an agent a new password; their sessions end.
    ResetPassword {
        #[arg(long)]
        email: String,
        #[command(flatten)]
        password: PasswordArgs,
    },
    /// Deactivate an agent: they can no longer log on, and their sessions end.
    Deactivate {
        #[arg(long)]
        email: String,
    },
    /// Let a deactivated agent log on again.
    Reactivate {
        #[arg(long)]
        email: String,
    },
    /// List the agents with their role, status and groups, and the groups.
    List,
}

#[derive(Args, Debug)]
pub struct NewAgentArgs {
    /// The email they log on with.
    #[arg(long)]
    email: String,
    /// Their name, as colleagues and end users see it.
    #[arg(long)]
    name: String,
    /// An assignment group they work in (repeatable; the group must exist: `create-group`).
    #[arg(long = "group")]
    groups: Vec<String>,
    /// An assignment group they supervise (repeatable; the group must exist).
    #[arg(long = "supervises")]
    supervises: Vec<String>,
    #[command(flatten)]
    password: PasswordArgs,
}

#[derive(Args, Debug)]
pub struct PasswordArgs {
    /// Read the password from the first line of standard input (at least 12 characters);
    /// without it, one is generated and printed once.
    #[arg(long)]
    password_stdin: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum RoleArg {
    Agent,
    Admin,
}

/// Why a command failed, and its exit code.
enum Failure {
    /// Bad input: exit 2.
    Input(String),
    /// The database (or anything else): exit 1.
    Other(String),
}

impl From<DeskError> for Failure {
    fn from(err: DeskError) -> Failure {
        match err {
            DeskError::Store { source } => Failure::Other(format!("the database: {source}")),
            other => Failure::Input(other.to_string()),
        }
    }
}

/// The server's database: `--database-url`, else the SQLite file in the data directory.
pub fn database_url(url: Option<&str>, data_dir: &Path) -> std::io::Result<String> {
    match url {
        Some(url) => Ok(url.to_string()),
        None => {
            std::fs::create_dir_all(data_dir)?;
            Ok(format!("sqlite://{}?mode=rwc", data_dir.join("deskchat.db").display()))
        }
    }
}

/// Runs one command and returns the process's exit code.
pub async fn run(url: Option<&str>, data_dir: &Path, command: AdminCommand) -> i32 {
    let outcome = async {
        let url = database_url(url, data_dir).map_err(|e| Failure::Other(format!("the data directory: {e}")))?;
        let store = Store::connect(&url).await.map_err(|e| Failure::Other(format!("the database: {e}")))?;
        execute(&store, command).await
    };
    match outcome.await {
        Ok(()) => 0,
        Err(Failure::Input(why)) => {
            eprintln!("deskchat admin: {why}");
            2
        }
        Err(Failure::Other(why)) => {
            eprintln!("deskchat admin: {why}");
            1
        }
    }
}

fn shell() -> Actor {
    Actor { agent: None, now_ms: SystemClock.now_ms() }
}

/// The password from standard input's first line, or a generated one (and whether it was).
fn password(args: &PasswordArgs) -> Result<(String, bool), Failure> {
    if !args.password_stdin {
        return Ok((new_password(), true));
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).map_err(|e| Failure::Input(format!("reading the password: {e}")))?;
    let line = line.trim_end_matches(['\n', '\r']).to_string();
    app::domain::admin::password(&line).map_err(Failure::Input)?;
    Ok((line, false))
}

fn show_password(password: &str, generated: bool) {
    if generated {
        println!("  password (shown only now): {password}");
    }
}

fn describe(agent: &AgentEntry) -> String {
    let names =
        |groups: &[app::model::AssignmentGroup]| app::domain::admin::names_or_none(groups.iter().map(|g| g.name.as_str()));
    let supervises = match agent.supervises.is_empty() {
        true => String::new(),
        false => format!(", supervises: {}", names(&agent.supervises)),
    };
    format!(
        "{} <{}>, {}, {}, groups: {}{supervises}",
        agent.name,
        agent.email,
        agent.role.as_str(),
        if agent.active { "active" } else { "deactivated" },
        names(&agent.groups)
    )
}

async fn execute(store: &Store, command: AdminCommand) -> Result<(), Failure> {
    match command {
        AdminCommand::CreateAdmin(agent) => create(store, agent, Role::Admin).await,
        AdminCommand::CreateAgent { agent, role } => {
            create(store, agent, if matches!(role, RoleArg::Admin) { Role::Admin } else { Role::Agent }).await
        }
        AdminCommand::CreateGroup { name } => {
            let group = admin::create_group(store, shell(), &name).await?;
            println!("Created group {} (id {}).", group.name, group.id);
            Ok(())
        }
        AdminCommand::AddMember { email, group } => {
            let (agent, group, added) = admin::add_member(store, shell(), &email, &group).await?;
            match added {
                true => println!("Added {} to {}.", agent.email, group.name),
                false => println!("{} was already in {}; nothing changed.", agent.email, group.name),
            }
            Ok(())
        }
        AdminCommand::Supervise { email, group } => supervise(store, &email, &group, true).await,
        AdminCommand::StopSupervising { email, group } => supervise(store, &email, &group, false).await,
        AdminCommand::ResetPassword { email, password: args } => {
            let agent = admin::agent_by_email(store, &email).await?;
            let (password, generated) = password(&args)?;
            admin::reset_password(store, shell(), agent.id, &password).await?;
            println!("Reset the password of {}; their sessions ended.", agent.email);
            show_password(&password, generated);
            Ok(())
        }
        AdminCommand::Deactivate { email } => {
            let agent = admin::agent_by_email(store, &email).await?;
            let agent = admin::set_active(store, shell(), agent.id, false).await?;
            println!("Deactivated {}; they can no longer log on, and their sessions ended.", agent.email);
            Ok(())
        }
        AdminCommand::Reactivate { email } => {
            let agent = admin::agent_by_email(store, &email).await?;
            let agent = admin::set_active(store, shell(), agent.id, true).await?;
            println!("Reactivated {}.", agent.email);
            Ok(())
        }
        AdminCommand::List => {
            let groups = store.groups().await.map_err(DeskError::from)?;
            let names: Vec<&str> = groups.iter().map(|g| g.name.as_str()).collect();
            println!("Groups: {}", if names.is_empty() { "none".to_string() } else { names.join(", ") });
            let agents = store.agent_entries().await.map_err(DeskError::from)?;
            println!("Agents: {}", agents.len());
            for agent in &agents {
                println!("  {}", describe(agent));
            }
            Ok(())
        }
    }
}

/// `supervise` (`on`) and `stop-supervising`.
async fn supervise(store: &Store, email: &str, group: &str, on: bool) -> Result<(), Failure> {
    let (agent, group, changed) = admin::supervise(store, shell(), email, group, on).await?;
    let (email, group) = (&agent.email, &group.name);
    match (on, changed) {
        (true, true) => println!("{email} now supervises {group}."),
        (true, false) => println!("{email} already supervised {group}; nothing changed."),
        (false, true) => println!("{email} no longer supervises {group}."),
        (false, false) => println!("{email} did not supervise {group}; nothing changed."),
    }
    Ok(())
}

async fn create(store: &Store, args: NewAgentArgs, role: Role) -> Result<(), Failure> {
    let known = store.groups().await.map_err(DeskError::from)?;
    let ids = |field: &str, names: &[String]| -> Result<Vec<GroupId>, Failure> {
        names
            .iter()
            .map(|name| {
                known.iter().find(|g| g.name == name.trim()).map(|g| g.id).ok_or_else(|| {
                    Failure::Input(format!(
                        "{field}: there is no assignment group {name:?}; create it first with `deskchat admin create-group`."
                    ))
                })
            })
            .collect()
    };
    let groups = ids("Groups", &args.groups)?;
    let supervises = ids("Supervises", &args.supervises)?;
    let (password, generated) = password(&args.password)?;
    let form = NewAgent { email: args.email, name: args.name, role: Some(role), groups, password: password.clone(), supervises };
    let agent = admin::create_agent(store, shell(), &form).await?;
    println!("Created {}.", describe(&agent));
    show_password(&password, generated);
    Ok(())
}
