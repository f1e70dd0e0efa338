//! `labs/info.toml`: the course, one entry per lab.
//!
//! The file is the single list of labs: the runner's `list`, `hint` and watch order, the harness's
//! hints in failure reports, and the instructor's `check-labs` and `grade` all read it. Adding a lab
//! means adding its two folders (`labs/NN-name`, `solutions/NN-name`) and one `[[lab]]` entry.

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The whole course, in order.
#[derive(Debug, Clone, Deserialize)]
pub struct Catalog {
    /// The labs, in the order trainees take them.
    #[serde(rename = "lab")]
    pub labs: Vec<LabInfo>,
}

/// One lab, as `labs/info.toml` describes it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabInfo {
    /// Its number in the course (1, 2, …).
    pub number: u32,
    /// Its folder under `labs/` and `solutions/`, e.g. `01-signing`.
    pub name: String,
    /// A one-line title.
    pub title: String,
    /// The seed documents it teaches (`000`…`004`, see `../shared/seeds/README.md`).
    pub seeds: Vec<String>,
    /// What the trainee practises, in a sentence.
    pub concept: String,
    /// The crate of this workspace that implements the concept for real.
    pub implemented_in: String,
    /// The hint `cargo lab hint` prints and every failure report repeats.
    pub hint: String,
    /// What the scenario needs from its target beyond Cosmos DB's own API; on a target without
    /// it (a real account, another emulator) the lab is skipped, with the reason printed.
    #[serde(default)]
    pub needs: Vec<Need>,
}

/// Something a scenario needs that only the cosmolab emulator provides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Need {
    /// Listing and regenerating all four keys over HTTP (`/_cosmolab/keys`). On Azure that is a
    /// Resource Manager call with an Entra identity, which a scenario does not hold.
    KeyAdmin,
    /// Moving the token clock forward (`/_cosmolab/clock/advance`), to expire tokens at once.
    TimeTravel,
    /// Registering applications, defining and assigning roles, `disableLocalAuth` and the audit
    /// log from the test (the emulator's identity provider and RBAC API; on Azure, Entra ID and
    /// Resource Manager with an identity a scenario does not hold).
    IdentityProvider,
}

impl Need {
    /// The name used in `labs/info.toml`.
    pub fn name(self) -> &'static str {
        match self {
            Need::KeyAdmin => "key-admin",
            Need::TimeTravel => "time-travel",
            Need::IdentityProvider => "identity-provider",
        }
    }

    /// Why a target may lack it, for the line printed when a lab is skipped.
    pub fn description(self) -> &'static str {
        match self {
            Need::KeyAdmin => "listing and regenerating the account's keys from the test",
            Need::TimeTravel => "moving the token clock forward, to expire tokens without waiting",
            Need::IdentityProvider => {
                "registering applications and managing role assignments from the test"
            }
        }
    }
}

impl Catalog {
    /// Where the catalog lives, relative to the workspace root.
    pub const PATH: &'static str = "labs/info.toml";

    /// Reads `labs/info.toml` under the workspace root.
    pub fn load(workspace_root: &Path) -> Result<Self, String> {
        let path = workspace_root.join(Self::PATH);
        let text = std::fs::read_to_string(&path)
            .map_err(|error| format!("could not read {}: {error}", path.display()))?;
        Self::parse(&text).map_err(|error| format!("{}: {error}", path.display()))
    }

    /// Parses the catalog's text and checks that numbers and names are unique and in order.
    pub fn parse(text: &str) -> Result<Self, String> {
        let catalog: Catalog = toml::from_str(text).map_err(|error| error.to_string())?;
        for (index, lab) in catalog.labs.iter().enumerate() {
            let expected_prefix = format!("{:02}-", lab.number);
            if !lab.name.starts_with(&expected_prefix) {
                return Err(format!(
                    "lab {} is named `{}`; its folder name must start with `{expected_prefix}`",
                    lab.number, lab.name
                ));
            }
            if catalog.labs[..index]
                .iter()
                .any(|other| other.number >= lab.number)
            {
                return Err(format!(
                    "lab {} is out of order: list the labs by increasing number",
                    lab.number
                ));
            }
        }
        Ok(catalog)
    }

    /// The lab with this number, or whose name is this (`3`, `03`, `03-resource-tokens`).
    pub fn find(&self, wanted: &str) -> Option<&LabInfo> {
        let wanted = wanted.trim();
        match wanted.parse::<u32>() {
            Ok(number) => self.labs.iter().find(|lab| lab.number == number),
            Err(_) => self.labs.iter().find(|lab| lab.name == wanted),
        }
    }
}

impl LabInfo {
    /// The trainee's package, `lab-NN-name`.
    pub fn lab_package(&self) -> String {
        format!("lab-{}", self.name)
    }

    /// The finished twin's package, `solution-NN-name`.
    pub fn solution_package(&self) -> String {
        format!("solution-{}", self.name)
    }

    /// The library name both packages share, `lab_NN_name`.
    pub fn lib_name(&self) -> String {
        format!("lab_{}", self.name.replace('-', "_"))
    }

    /// The trainee's folder, `labs/NN-name`, under `root`.
    pub fn lab_dir(&self, root: &Path) -> PathBuf {
        root.join("labs").join(&self.name)
    }

    /// The solution's folder, `solutions/NN-name`, under `root`.
    pub fn solution_dir(&self, root: &Path) -> PathBuf {
        root.join("solutions").join(&self.name)
    }

    /// The committed transcript, `labs/NN-name/tests/snapshots/transcript.snap`, under `root`.
    pub fn snapshot_file(&self, root: &Path) -> PathBuf {
        self.lab_dir(root).join("tests/snapshots/transcript.snap")
    }

    /// The lab's page, `docs/labs/NN-name.md`, under `root`.
    pub fn doc_file(&self, root: &Path) -> PathBuf {
        root.join("docs/labs").join(format!("{}.md", self.name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TWO_LABS: &str = r#"
        [[lab]]
        number = 1
        name = "01-signing"
        title = "Signing a request by hand"
        seeds = ["001"]
        concept = "master-key signatures"
        implemented_in = "crates/auth-signing"
        hint = "Lower-case everything but the link."

        [[lab]]
        number = 2
        name = "02-keys"
        title = "Keys"
        seeds = ["001"]
        concept = "keys"
        implemented_in = "crates/client"
        hint = "Secondary first."
    "#;

    #[test]
    fn labs_are_found_by_number_or_name() {
        let catalog = Catalog::parse(TWO_LABS).unwrap();
        assert_eq!(catalog.find("1").unwrap().name, "01-signing");
        assert_eq!(catalog.find("02").unwrap().name, "02-keys");
        assert_eq!(catalog.find("02-keys").unwrap().number, 2);
        assert!(catalog.find("3").is_none());
        let lab = catalog.find("1").unwrap();
        assert_eq!(lab.lab_package(), "lab-01-signing");
        assert_eq!(lab.solution_package(), "solution-01-signing");
        assert_eq!(lab.lib_name(), "lab_01_signing");
    }

    #[test]
    fn a_name_that_does_not_match_its_number_is_refused() {
        let text = TWO_LABS.replace("name = \"02-keys\"", "name = \"03-keys\"");
        let error = Catalog::parse(&text).unwrap_err();
        assert!(error.contains("must start with `02-`"), "{error}");
    }

    #[test]
    fn labs_out_of_order_are_refused() {
        let text = TWO_LABS
            .replace("number = 2", "number = 0")
            .replace("02-keys", "00-keys");
        let error = Catalog::parse(&text).unwrap_err();
        assert!(error.contains("out of order"), "{error}");
    }

    /// The committed catalog parses, and every lab in it has its two folders and its page.
    #[test]
    fn the_committed_catalog_matches_the_folders() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let catalog = Catalog::load(&root).unwrap();
        assert!(!catalog.labs.is_empty());
        for lab in &catalog.labs {
            for dir in [lab.lab_dir(&root), lab.solution_dir(&root)] {
                assert!(
                    dir.join("Cargo.toml").exists(),
                    "{} has no Cargo.toml",
                    dir.display()
                );
            }
            assert!(lab.lab_dir(&root).join("tests/scenario.rs").exists());
            assert!(lab.doc_file(&root).exists(), "no page for lab {}", lab.name);
        }
    }
}
