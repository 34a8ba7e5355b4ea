using Campaigns.Functions.Http.Auth;
using Campaigns.Functions.Storage;

namespace Campaigns.Functions.Hosting;

/// <summary>
/// The first tenant of a deployed app: <c>Campaigns.Functions bootstrap --account-name NAME [--account-id ID]</c>, run by
/// an operator on their own machine with their own Azure credentials (<c>az login</c>), pointed at the deployment's
/// storage account by the same settings the app reads (<c>AzureWebJobsStorage__accountName</c>, and
/// <c>Storage__TablePrefix</c> if the deployment sets one). It creates the account (or, with <c>--account-id</c>, adds a
/// key to an existing one), prints the new API key once on standard output, and stores only its hash. Nothing is
/// exposed over HTTP and no key sits in app settings; whoever may write the storage account's tables (a data-plane
/// role the template grants the deploying principal) may bootstrap. Full tenant management comes later.
/// </summary>
internal static class AccountBootstrap
{
    public const string Command = "bootstrap";

    private const string Usage = "Usage: Campaigns.Functions bootstrap --account-name NAME [--account-id acct_...]";

    /// <summary>Runs the command; 0 when a key was made, 2 for a usage error, 1 when storage refused.</summary>
    public static async Task<int> RunAsync(string[] args, IConfiguration configuration, TimeProvider time, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        string? name = null, accountId = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--account-name" when i + 1 < args.Length:
                    name = args[++i].Trim();
                    break;
                case "--account-id" when i + 1 < args.Length:
                    accountId = args[++i].Trim();
                    break;
                default:
                    await error.WriteLineAsync($"Unknown or incomplete option '{args[i]}'. {Usage}");
                    return 2;
            }
        }
        if (string.IsNullOrEmpty(name) || name.Length > 200)
        {
            await error.WriteLineAsync($"--account-name is required (1 to 200 characters). {Usage}");
            return 2;
        }
        if (accountId is not null && (!accountId.StartsWith("acct_", StringComparison.Ordinal) || accountId.Length > 64 || !accountId.All(c => char.IsAsciiLetterOrDigit(c) || c == '_')))
        {
            await error.WriteLineAsync($"--account-id must look like acct_... (letters, digits, '_'), not '{accountId}'.");
            return 2;
        }

        var storage = new StorageOptions();
        configuration.GetSection("Storage").Bind(storage);
        storage.Connection = StorageConnection.From(configuration.GetSection("AzureWebJobsStorage"));
        var tables = new CampaignTables(CampaignTables.CreateService(storage), storage);
        using var cache = new Microsoft.Extensions.Caching.Memory.MemoryCache(new Microsoft.Extensions.Caching.Memory.MemoryCacheOptions());
        var keys = new ApiKeys(tables, cache);
        try
        {
            await tables.EnsureCreatedAsync(cancellationToken);
            if (accountId is not null && !await keys.AccountExistsAsync(accountId, cancellationToken))
            {
                await error.WriteLineAsync($"No account '{accountId}' in {storage.Connection}: leave --account-id out to create one.");
                return 2;
            }
            accountId ??= "acct_" + Guid.NewGuid().ToString("N")[..12];
            var key = ApiKeys.Generate();
            await keys.RegisterAsync(accountId, name, key, time.GetUtcNow(), cancellationToken);
            await output.WriteLineAsync($"Account {accountId} ({name}) in {storage.Connection}.");
            await output.WriteLineAsync("API key (shown once; only its hash is stored, so keep it now):");
            await output.WriteLineAsync(key);
            return 0;
        }
        catch (Exception ex) when (ex is Azure.RequestFailedException or Azure.Identity.AuthenticationFailedException or Azure.Identity.CredentialUnavailableException)
        {
            await error.WriteLineAsync($"Storage {storage.Connection} refused: {ex.Message.Split('\n')[0]} (sign in with az login; your identity needs Storage Table Data Contributor on the account).");
            return 1;
        }
    }
}
