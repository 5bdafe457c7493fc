using FedEdge.Cli;

return await CliApplication.Create(Console.Out, Console.Error).Parse(args).InvokeAsync().ConfigureAwait(false);
