# The seed's exporter (seeds/…: "3.1 Metrics Exporter（シンプル版）"), exactly as written,
# except that its Redis port and its listen port come from REDIS_PORT and PORT so that the
# benchmark can run it beside a Redis on a free port (the seed hardcodes 6379 and 8000).
from prometheus_client import Gauge, generate_latest
from flask import Flask, Response
import redis, os

app = Flask(__name__)
gauge = Gauge('graflow_queue_depth', 'Queue depth', ['key_prefix'])
r = redis.Redis(host=os.getenv('REDIS_HOST', 'localhost'), port=int(os.getenv('REDIS_PORT', '6379')))

@app.route('/metrics')
def metrics():
    prefix = os.getenv('KEY_PREFIX', 'graflow')
    depth = r.llen(f"{prefix}:queue")
    gauge.labels(key_prefix=prefix).set(depth)
    return Response(generate_latest(), mimetype='text/plain')

if __name__ == '__main__':
    app.run(host='0.0.0.0', port=int(os.getenv('PORT', '8000')))
