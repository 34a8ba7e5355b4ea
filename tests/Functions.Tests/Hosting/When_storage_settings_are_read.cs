using Azure.Data.Tables;
using Campaigns.Functions.Hosting;
using Campaigns.Functions.Storage;
using Campaigns.Functions.Uploads;
using Campaigns.Functions.Engine;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Campaigns.Functions.Tests.Hosting;

/// <summary>
/// <c>AzureWebJobsStorage</c> is read as the Functions host reads it: a connection string (Azurite, tests), or the
/// identity-based children a deployment sets (<c>__accountName</c> or the three service URIs, <c>__credential</c>,
/// <c>__clientId</c>); every storage client of the app follows it, and nothing it logs holds a key.
/// </summary>
public class When_storage_settings_are_read
{
    private const string Key = "Zm9yLXRlc3RzLW9ubHktbm90LWEtcmVhbC1rZXktMTIzNDU2Nzg5MA==";

    private static IConfigurationSection Section(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))).Build().GetSection("AzureWebJobsStorage");

    [Fact]
    public void An_account_name_with_a_managed_identity_gives_the_public_endpoints_and_a_token_credential()
    {
        var connection = StorageConnection.From(Section(
            ("AzureWebJobsStorage:accountName", "campaignsprod"), ("AzureWebJobsStorage:credential", "managedidentity"),
            ("AzureWebJobsStorage:clientId", "0f6b3c7e-0000-4000-8000-000000000001")));

        Assert.True(connection.UsesTokenCredential);
        Assert.Equal(("https://campaignsprod.blob.core.windows.net/", "https://campaignsprod.queue.core.windows.net/", "https://campaignsprod.table.core.windows.net/"),
            (connection.BlobServiceUri!.ToString(), connection.QueueServiceUri!.ToString(), connection.TableServiceUri!.ToString()));
        Assert.Equal(("managedidentity", "0f6b3c7e-0000-4000-8000-000000000001"), (connection.CredentialKind, connection.ClientId));
        Assert.Equal("campaignsprod (managed identity 0f6b3c7e-0000-4000-8000-000000000001)", connection.ToString());
    }

    [Fact]
    public void Service_uris_name_each_service_for_other_clouds_and_private_endpoints()
    {
        var connection = StorageConnection.From(Section(
            ("AzureWebJobsStorage:blobServiceUri", "https://acct.blob.core.usgovcloudapi.net"),
            ("AzureWebJobsStorage:queueServiceUri", "https://acct.queue.core.usgovcloudapi.net"),
            ("AzureWebJobsStorage:tableServiceUri", "https://acct.table.core.usgovcloudapi.net")));

        Assert.Equal("acct.table.core.usgovcloudapi.net", connection.TableServiceUri!.Host);
        Assert.Null(connection.CredentialKind); // DefaultAzureCredential: a developer's az login works too
    }

    [Theory]
    [InlineData("AzureWebJobsStorage:accountName", "Not_An_Account", "accountName")]
    [InlineData("AzureWebJobsStorage:blobServiceUri", "http://acct.blob.core.windows.net", "blobServiceUri")]
    [InlineData("AzureWebJobsStorage:tableServiceUri", "https://acct.table.core.windows.net", "Missing: blobServiceUri, queueServiceUri")]
    [InlineData("AzureWebJobsStorage:credential", "clientsecret", "credential")]
    public void A_malformed_or_partial_identity_setting_fails_at_startup_naming_it(string key, string value, string named)
    {
        var settings = key.EndsWith(":credential") ? new[] { ("AzureWebJobsStorage:accountName", "acct"), (key, value) } : new[] { (key, value) };

        var error = Assert.Throws<FormatException>(() => StorageConnection.From(Section(settings)));

        Assert.Contains(named, error.Message);
    }

    [Fact]
    public void A_connection_string_is_still_taken_and_never_shown()
    {
        var connection = StorageConnection.From(Section(("AzureWebJobsStorage", $"DefaultEndpointsProtocol=https;AccountName=legacy;AccountKey={Key};EndpointSuffix=core.windows.net")));

        Assert.False(connection.UsesTokenCredential);
        Assert.Equal("legacy (connection string)", connection.ToString());
        Assert.Equal("development storage", StorageConnection.From(Section()).ToString());
    }

    [Fact]
    public void Every_storage_client_of_the_app_follows_the_identity_based_setting()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage:accountName"] = "campaignsprod",
            ["AzureWebJobsStorage:credential"] = "managedidentity",
            ["QueuePrefix"] = "p-",
        }).Build();
        using var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddLogging().AddCampaigns().BuildServiceProvider();

        var tables = services.GetRequiredService<CampaignTables>();
        var uploads = services.GetRequiredService<UploadBlobs>();
        var queues = services.GetRequiredService<EngineQueues>();

        Assert.Equal("https://campaignsprod.table.core.windows.net/campaigns", tables.Campaigns.Uri.ToString().TrimEnd('/'));
        Assert.Equal("https://campaignsprod.blob.core.windows.net/p-uploads", uploads.Files.Uri.ToString());
        Assert.Equal("https://campaignsprod.queue.core.windows.net/p-upload-batches", uploads.Queue.Uri.ToString());
        Assert.Equal("https://campaignsprod.queue.core.windows.net/p-campaign-wakes", queues.Wakes.Uri.ToString());
    }
}
