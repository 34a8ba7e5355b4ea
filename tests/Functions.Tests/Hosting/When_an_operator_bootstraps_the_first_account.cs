using Azure.Data.Tables;
using Campaigns.Functions.Hosting;
using Campaigns.Functions.Storage;
using Campaigns.Functions.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace Campaigns.Functions.Tests.Hosting;

/// <summary>
/// <c>Campaigns.Functions bootstrap</c> makes an account and its first API key in a deployed app's storage: the key is
/// shown once, stored only as its hash, and works against the running app at once.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class When_an_operator_bootstraps_the_first_account(AppFixture app)
{
    private async Task<(int Code, string Output, string Error)> RunAsync(params string[] args)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = app.AppStorageConnectionString,
            ["Storage:TablePrefix"] = app.Prefix,
        }).Build();
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await AccountBootstrap.RunAsync(args, configuration, app.Clock, output, error, CancellationToken.None);
        return (code, output.ToString(), error.ToString());
    }

    private static string KeyIn(string output) => output.Split('\n', StringSplitOptions.TrimEntries).Single(l => l.StartsWith("ck_", StringComparison.Ordinal));

    [Fact]
    public async Task The_key_is_shown_once_stored_hashed_and_opens_the_new_account()
    {
        var (code, output, _) = await RunAsync("--account-name", "Acme Lending");

        Assert.Equal(0, code);
        var key = KeyIn(output);
        using var client = app.ClientWith(key);
        using var campaigns = await client.GetAsync("/v1/campaigns");
        Assert.Equal(System.Net.HttpStatusCode.OK, campaigns.StatusCode);
        var stored = new TableClient(app.StorageConnectionString, app.Prefix + "accounts").QueryAsync<TableEntity>();
        await foreach (var row in stored)
            Assert.DoesNotContain(row, property => property.Value?.ToString()?.Contains(key, StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task A_second_key_for_an_existing_account_works_beside_the_first()
    {
        var first = await RunAsync("--account-name", "Acme Collections");
        var accountId = first.Output.Split(' ')[1];

        var second = await RunAsync("--account-name", "Acme Collections", "--account-id", accountId);

        Assert.Equal((0, 0), (first.Code, second.Code));
        Assert.Equal(accountId, await app.AccountOfAsync(KeyIn(first.Output)));
        Assert.Equal(accountId, await app.AccountOfAsync(KeyIn(second.Output)));
    }

    [Theory]
    [InlineData(new string[0], "--account-name is required")]
    [InlineData(new[] { "--account-name", "X", "--account-id", "acct_doesnotexist" }, "No account 'acct_doesnotexist'")]
    [InlineData(new[] { "--account-name", "X", "--account-id", "admin; drop" }, "--account-id must look like")]
    [InlineData(new[] { "--wat" }, "Unknown or incomplete option")]
    public async Task A_wrong_command_makes_no_key_and_says_why(string[] args, string says)
    {
        var (code, output, error) = await RunAsync(args);

        Assert.Equal(2, code);
        Assert.DoesNotContain("ck_", output);
        Assert.Contains(says, error);
    }
}
