# The silo image. Not built on the development machines (no Docker engine there); kept consistent by reading
# with `dotnet run --project src/Silo` (same flags, same defaults).
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/Silo -c Release -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app .
VOLUME /data
EXPOSE 8080
ENTRYPOINT ["dotnet", "Shinsa.Silo.dll", "--urls", "http://0.0.0.0:8080", "--data-dir", "/data"]
