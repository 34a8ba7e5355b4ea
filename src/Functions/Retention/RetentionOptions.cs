using Campaigns.Domain.Retention;
using NodaTime;

namespace Campaigns.Functions.Retention;

/// <summary>
/// Settings of retention (section <c>Retention</c>; README, "Retention"). Periods are whole days, 1 to 3,650; a value
/// outside that range stops the worker at start with the setting's name. To keep everything for ever, turn the function
/// off (<c>AzureWebJobs.Retention.Disabled=true</c>).
/// </summary>
internal sealed class RetentionOptions
{
    public const int MaxDays = 3650;

    /// <summary><c>Retention__EventDays</c>: a finished campaign's event stream, from its last event (default 30).</summary>
    public int EventDays { get; set; } = 30;

    /// <summary><c>Retention__WebhookDeliveryDays</c>: webhook delivery-log rows, from their newest attempt (default 30).</summary>
    public int WebhookDeliveryDays { get; set; } = 30;

    /// <summary><c>Retention__UploadBlobDays</c>: a finished upload's CSV and batch files, from its end (default 7). A failed upload can be retried until then.</summary>
    public int UploadBlobDays { get; set; } = 7;

    /// <summary><c>Retention__DeletedCampaignDays</c>: a deleted campaign's stream and agent pool, from the deletion or its last event (default 7).</summary>
    public int DeletedCampaignDays { get; set; } = 7;

    /// <summary>
    /// <c>Retention__MaxDeletesPerRun</c>: rows and blobs one run deletes at most (default 100,000, about 1,000 table
    /// transactions); what is left waits for the next run, an hour later.
    /// </summary>
    public int MaxDeletesPerRun { get; set; } = 100_000;

    public RetentionPeriods Periods => new(
        Duration.FromDays(EventDays), Duration.FromDays(WebhookDeliveryDays), Duration.FromDays(UploadBlobDays), Duration.FromDays(DeletedCampaignDays));

    /// <summary>
    /// When a note of this kind asks for its first look: a campaign's at the shorter of its two periods (it may be ended
    /// or deleted; the rules then name the exact time), the others at their own period.
    /// </summary>
    public Duration PeriodOf(string kind) => kind switch
    {
        RetentionKinds.Campaign => Duration.FromDays(Math.Min(EventDays, DeletedCampaignDays)),
        RetentionKinds.Upload => Periods.UploadFiles,
        _ => Periods.WebhookDeliveries,
    };

    /// <summary>The settings as read, or an exception naming the first one out of range.</summary>
    public RetentionOptions Validated()
    {
        foreach (var (name, days) in new[] { ("EventDays", EventDays), ("WebhookDeliveryDays", WebhookDeliveryDays), ("UploadBlobDays", UploadBlobDays), ("DeletedCampaignDays", DeletedCampaignDays) })
        {
            if (days is < 1 or > MaxDays)
                throw new InvalidOperationException($"Retention__{name} must be a whole number of days from 1 to {MaxDays} (got {days}).");
        }
        if (MaxDeletesPerRun < 100)
            throw new InvalidOperationException($"Retention__MaxDeletesPerRun must be at least 100 (got {MaxDeletesPerRun}).");
        return this;
    }
}

/// <summary>Registers retention: its settings, its index (and the notes the app writes to it) and the run.</summary>
internal static class RetentionServices
{
    public static IServiceCollection AddRetention(this IServiceCollection services)
    {
        services.AddSingleton(sp =>
        {
            var options = new RetentionOptions();
            sp.GetRequiredService<IConfiguration>().GetSection("Retention").Bind(options);
            return options.Validated();
        });
        services.AddSingleton<RetentionIndex>();
        services.AddSingleton<IRetentionNotes>(sp => sp.GetRequiredService<RetentionIndex>());
        services.AddSingleton<StreamExpiry>();
        services.AddSingleton<UploadFilesExpiry>();
        services.AddSingleton<WebhookLogExpiry>();
        services.AddSingleton<RetentionSweeper>();
        services.AddHostedService<RetentionSettingsCheck>();
        return services;
    }
}

/// <summary>Reads the retention settings at start, so a wrong one stops the worker with its name instead of failing the relay later.</summary>
internal sealed class RetentionSettingsCheck(IServiceProvider services) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        services.GetRequiredService<RetentionOptions>();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
