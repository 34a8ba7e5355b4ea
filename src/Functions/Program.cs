using Campaigns.Functions.Hosting;

var app = CampaignsApp.Build(args);
await CampaignsApp.InitializeAsync(app);
await app.RunAsync();
