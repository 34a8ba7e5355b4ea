using System.Security.Cryptography;
using System.Text;
using Azure.Data.Tables;
using Campaigns.Functions.Storage;
using Microsoft.Extensions.Caching.Memory;

namespace Campaigns.Functions.Http.Auth;

/// <summary>
/// API keys. A key is stored only as its SHA-256 hash (keys are long random strings, so a fast hash is the right
/// tool; a slow password hash would add latency to every request without adding safety). The row is found by
/// the hash, and the stored hash is compared with <see cref="CryptographicOperations.FixedTimeEquals"/>.
/// A resolved key is cached for <see cref="CacheFor"/>, so a revoked key stops working within that time.
/// </summary>
internal sealed class ApiKeys(CampaignTables tables, IMemoryCache cache)
{
    private const string KeyPartition = "key";
    private const string AccountPartition = "account";
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(60);

    /// <summary>The account the key belongs to, or null for an unknown key.</summary>
    public async Task<string?> ResolveAccountAsync(string presentedKey, CancellationToken cancellationToken)
    {
        var hash = Hash(presentedKey);
        var hex = Convert.ToHexStringLower(hash);
        if (cache.TryGetValue<string>(hex, out var cached))
            return cached;
        var row = await tables.Accounts.GetEntityIfExistsAsync<TableEntity>(KeyPartition, hex, cancellationToken: cancellationToken);
        if (!row.HasValue || row.Value!.GetBinary("Hash") is not { } stored || !CryptographicOperations.FixedTimeEquals(stored, hash))
            return null;
        var accountId = row.Value.GetString("AccountId");
        if (accountId is not null)
            cache.Set(hex, accountId, CacheFor);
        return accountId;
    }

    /// <summary>Creates (or keeps) an account and registers <paramref name="key"/> for it. Idempotent.</summary>
    public async Task RegisterAsync(string accountId, string accountName, string key, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var hash = Hash(key);
        await tables.Accounts.UpsertEntityAsync(new TableEntity(AccountPartition, accountId)
        {
            ["Name"] = accountName,
            ["CreatedAt"] = now,
        }, TableUpdateMode.Merge, cancellationToken);
        await tables.Accounts.UpsertEntityAsync(new TableEntity(KeyPartition, Convert.ToHexStringLower(hash))
        {
            ["AccountId"] = accountId,
            ["Hash"] = hash,
            ["CreatedAt"] = now,
        }, TableUpdateMode.Replace, cancellationToken);
    }

    /// <summary>Whether the account exists (it has its row, whatever keys it has).</summary>
    public async Task<bool> AccountExistsAsync(string accountId, CancellationToken cancellationToken) =>
        (await tables.Accounts.GetEntityIfExistsAsync<TableEntity>(AccountPartition, accountId, ["RowKey"], cancellationToken)).HasValue;

    /// <summary>A new random key: <c>ck_</c> and 32 random bytes in base64url.</summary>
    public static string Generate() =>
        "ck_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}
