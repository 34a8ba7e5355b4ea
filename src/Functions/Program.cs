using Campaigns.Functions.Hosting;

// `bootstrap ...` is the operator's command that makes the first account and API key (docs/deploy.md); anything else
// is the Functions host starting the worker.
if (args.Length > 0 && args[0] == AccountBootstrap.Command)
{
    var configuration = new ConfigurationBuilder().AddEnvironmentVariables().Build();
    return await AccountBootstrap.RunAsync(args[1..], configuration, TimeProvider.System, Console.Out, Console.Error, CancellationToken.None);
}
CampaignsWorker.Build(args).Run();
return 0;
