//! Secrets: Argon2id password hashes (on the blocking pool, a few at a time), generated
//! passwords and API keys, and the SHA-256 under which session tokens and keys are stored.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rand_core::{OsRng, RngCore};
use sha2::{Digest, Sha256};

static ARGON2_PERMITS: std::sync::LazyLock<tokio::sync::Semaphore> = std::sync::LazyLock::new(|| {
    tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get()))
});

/// Runs Argon2 (or anything as costly) on the blocking pool, a few at a time.
pub(crate) async fn on_argon2_pool<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> anyhow::Result<T> {
    let _permit = ARGON2_PERMITS.acquire().await?;
    Ok(tokio::task::spawn_blocking(work).await?)
}

/// [`hash_password`] off the async workers.
pub(crate) async fn hash_password_async(password: String) -> anyhow::Result<String> {
    on_argon2_pool(move || hash_password(&password)).await?
}

/// [`verify_password`] off the async workers.
pub(crate) async fn verify_password_async(hash: String, password: String) -> bool {
    on_argon2_pool(move || verify_password(&hash, &password)).await.unwrap_or(false)
}

/// A hash no password of any account has: checked against when the account does not exist.
pub(super) static DUMMY_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| hash_password(&generate_password()).expect("hashing works"));

pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("cannot hash the password: {e}"))
}

pub(crate) fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
        .unwrap_or(false)
}

/// A password a user can type: 20 characters from an alphabet without look-alikes (~115 bits).
pub(crate) fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 20];
    OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char).collect()
}

/// The rules a new password must meet; the error says which one it breaks.
pub(crate) fn check_password(password: &str) -> Result<(), String> {
    let length = password.chars().count();
    if length < 12 {
        return Err(format!("the password is too short ({length} characters; at least 12)"));
    }
    if length > 256 {
        return Err(format!("the password is too long ({length} characters; at most 256)"));
    }
    Ok(())
}

pub(super) fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    OsRng.fill_bytes(&mut buf);
    hex(&buf)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The SHA-256 of a token or key, as stored.
pub fn secret_hash(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

/// A new API key, as shown once to the admin who creates it.
pub(crate) fn new_api_key() -> String {
    format!("sb_{}", random_hex(32))
}
